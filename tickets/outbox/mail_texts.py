"""The words of the notification emails, in the four languages users may choose."""

# kind -> language -> (subject, lead line); {id}, {title}, {department} and {priority} are
# filled in from the ticket's snapshot.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "assigned": {
        "en": ("[#{id}] Assigned to you: {title}", "Ticket #{id} “{title}” was assigned to you."),
        "fr": ("[#{id}] Vous a été attribué : {title}", "Le ticket #{id} « {title} » vous a été attribué."),
        "it": ("[#{id}] Assegnato a te: {title}", "Il ticket #{id} “{title}” è stato assegnato a te."),
        "de": ("[#{id}] Ihnen zugewiesen: {title}", "Das Ticket #{id} „{title}“ wurde Ihnen zugewiesen."),
    },
    "public_reply": {
        "en": ("[#{id}] New reply: {title}", "There is a new reply on your ticket #{id} “{title}”."),
        "fr": ("[#{id}] Nouvelle réponse : {title}", "Votre ticket #{id} « {title} » a reçu une nouvelle réponse."),
        "it": ("[#{id}] Nuova risposta: {title}", "C'è una nuova risposta al tuo ticket #{id} “{title}”."),
        "de": ("[#{id}] Neue Antwort: {title}", "Es gibt eine neue Antwort auf Ihr Ticket #{id} „{title}“."),
    },
    "resolved": {
        "en": ("[#{id}] Resolved: {title}", "Your ticket #{id} “{title}” was resolved."),
        "fr": ("[#{id}] Résolu : {title}", "Votre ticket #{id} « {title} » a été résolu."),
        "it": ("[#{id}] Risolto: {title}", "Il tuo ticket #{id} “{title}” è stato risolto."),
        "de": ("[#{id}] Gelöst: {title}", "Ihr Ticket #{id} „{title}“ wurde gelöst."),
    },
    "sla_warning": {
        "en": ("[#{id}] SLA at risk: {title}", "Ticket #{id} “{title}” in {department} is about to breach its service level."),
        "fr": ("[#{id}] SLA menacé : {title}", "Le ticket #{id} « {title} » de {department} va bientôt dépasser son niveau de service."),
        "it": ("[#{id}] SLA a rischio: {title}", "Il ticket #{id} “{title}” di {department} sta per superare il livello di servizio."),
        "de": ("[#{id}] SLA gefährdet: {title}", "Das Ticket #{id} „{title}“ in {department} verletzt bald seinen Service-Level."),
    },
}

# language -> (priority line, reply invitation, how to switch it off)
FOOTER: dict[str, tuple[str, str, str]] = {
    "en": ("Priority: {priority}. Department: {department}.", "Reply to this email to answer on the ticket.", "You can switch these emails off in your notification preferences."),
    "fr": ("Priorité : {priority}. Service : {department}.", "Répondez à cet e-mail pour répondre sur le ticket.", "Vous pouvez désactiver ces e-mails dans vos préférences de notification."),
    "it": ("Priorità: {priority}. Reparto: {department}.", "Rispondi a questa email per rispondere sul ticket.", "Puoi disattivare queste email nelle preferenze di notifica."),
    "de": ("Priorität: {priority}. Abteilung: {department}.", "Antworten Sie auf diese E-Mail, um im Ticket zu antworten.", "Sie können diese E-Mails in Ihren Benachrichtigungseinstellungen abschalten."),
}
