"""Varied, realistic ticket texts per category in English, French, Italian and German.

Pure data and a generator; `seed_tickets` and `setup_demo` use it. A title and a body are
drawn independently from templates and filled with random details, so that a few hundred
tickets read differently and the trained model has something real to learn.
"""

import random

FILL = {
    "amount": ["19.90", "49", "120.50", "9.99", "315", "72.40"],
    "month": ["January", "March", "June", "September", "November"],
    "mois": ["janvier", "mars", "juin", "septembre", "novembre"],
    "mese": ["gennaio", "marzo", "giugno", "settembre", "novembre"],
    "monat": ["Januar", "März", "Juni", "September", "November"],
    "device": ["iPhone", "Android phone", "Windows laptop", "MacBook", "iPad"],
    "browser": ["Chrome", "Firefox", "Safari", "Edge"],
    "screen": ["dashboard", "checkout", "settings", "reports", "search"],
    "ref": ["INV-2041", "INV-3318", "FA-7781", "RE-5520", "FT-1093"],
    "idea": ["dark mode", "CSV export", "Slack integration", "bulk edit", "calendar view"],
    "idee": ["mode sombre", "export CSV", "intégration Slack", "modification groupée"],
    "idea_it": ["modalità scura", "esportazione CSV", "integrazione con Slack", "vista calendario"],
    "idee_de": ["Dunkelmodus", "CSV-Export", "Slack-Integration", "Kalenderansicht"],
}

TEXTS: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "billing": {
        "en": (
            ["Invoice {ref} overdue?", "Charged twice this month", "Refund not received",
             "Question about my invoice", "Wrong amount on my bill", "Payment failed"],
            ["I was charged {amount} EUR twice for {month}. Could you refund the duplicate payment?",
             "My invoice {ref} shows {amount} EUR but my plan costs less. Please check the billing.",
             "The payment with my credit card was declined although the card is valid.",
             "I requested a refund three weeks ago and still have not received anything.",
             "Can you send me a receipt with VAT for the payment of {month}?"],
        ),
        "fr": (
            ["Facture impayée {ref}", "Paiement refusé", "Demande de remboursement",
             "Erreur de facturation", "Double prélèvement", "Question sur ma facture"],
            ["J'ai été prélevé deux fois de {amount} EUR en {mois}, merci de me rembourser.",
             "La facture {ref} indique {amount} EUR, ce n'est pas le tarif convenu.",
             "Mon paiement par carte bancaire a été refusé, pouvez-vous vérifier ?",
             "Je n'ai toujours pas reçu le remboursement promis le mois dernier.",
             "Pourriez-vous m'envoyer une facture avec la TVA pour {mois} ?"],
        ),
        "it": (
            ["Fattura non pagata {ref}", "Addebito doppio", "Richiesta di rimborso",
             "Errore nella fatturazione", "Pagamento rifiutato"],
            ["Mi è stato addebitato due volte l'importo di {amount} EUR a {mese}.",
             "La fattura {ref} riporta {amount} EUR, ma il mio abbonamento costa meno.",
             "Il pagamento con carta di credito non è andato a buon fine.",
             "Aspetto ancora il rimborso richiesto tre settimane fa.",
             "Potete inviarmi la ricevuta del pagamento di {mese}?"],
        ),
        "de": (
            ["Rechnung {ref} falsch", "Doppelte Abbuchung", "Rückerstattung fehlt",
             "Frage zur Rechnung", "Zahlung abgelehnt"],
            ["Im {monat} wurden {amount} EUR zweimal abgebucht, bitte erstatten Sie den Betrag.",
             "Die Rechnung {ref} weist {amount} EUR aus, das entspricht nicht meinem Tarif.",
             "Meine Zahlung mit Kreditkarte wurde abgelehnt, obwohl die Karte gültig ist.",
             "Ich warte seit drei Wochen auf die zugesagte Rückerstattung."],
        ),
    },
    "bug": {
        "en": (
            ["App crashes on startup", "Error 500 on the {screen} page", "Blank page in {browser}",
             "Export button does nothing", "Sync is broken", "The {screen} is very slow"],
            ["Since the last update the app crashes on my {device} as soon as I open it.",
             "When I open the {screen} page I get an error 500. It worked yesterday.",
             "In {browser} the {screen} page stays blank; no error message is shown.",
             "Clicking export does not work, nothing happens and the spinner never stops.",
             "The {screen} takes more than a minute to load, it is unusable."],
        ),
        "fr": (
            ["Erreur technique sur {screen}", "L'application plante", "Page blanche sous {browser}",
             "Le bouton ne fonctionne pas", "Application très lente"],
            ["Depuis la mise à jour, l'application plante sur mon {device} au démarrage.",
             "J'obtiens une erreur technique quand j'ouvre la page {screen}.",
             "Sous {browser}, la page {screen} reste blanche, aucun message d'erreur.",
             "Le bouton d'export ne fonctionne pas, rien ne se passe.",
             "La page {screen} est extrêmement lente depuis ce matin."],
        ),
        "it": (
            ["Errore dell'app", "L'app si blocca all'avvio", "Pagina bianca su {browser}",
             "Il pulsante non funziona", "Malfunzionamento della sincronizzazione"],
            ["Dopo l'ultimo aggiornamento l'app si blocca sul mio {device}.",
             "Aprendo la pagina {screen} compare un errore 500.",
             "Su {browser} la pagina {screen} resta bianca, nessun messaggio di errore.",
             "Il pulsante di esportazione non funziona, non succede nulla.",
             "La sezione {screen} è lentissima, impossibile lavorare."],
        ),
        "de": (
            ["App stürzt ab", "Fehler 500 auf {screen}", "Leere Seite in {browser}",
             "Export funktioniert nicht", "Sehr langsame Ladezeiten"],
            ["Seit dem Update stürzt die App auf meinem {device} beim Start ab.",
             "Beim Öffnen der Seite {screen} erscheint eine Fehlermeldung 500.",
             "In {browser} bleibt die Seite {screen} leer, ohne Fehlermeldung.",
             "Der Export-Knopf funktioniert nicht, es passiert nichts."],
        ),
    },
    "account": {
        "en": (
            ["Cannot log in", "Password reset email never arrives", "Account locked",
             "Change my email address", "Two-factor code rejected"],
            ["I can't log in to my account, it says my password is wrong although I reset it.",
             "I asked for a password reset but the email never arrives.",
             "My account is locked after too many attempts, please unlock it.",
             "How can I change the email address of my profile?",
             "The 2FA code from my {device} is always rejected at sign in."],
        ),
        "fr": (
            ["Impossible de me connecter", "Mot de passe oublié", "Compte bloqué",
             "Changer mon adresse e-mail", "Problème de connexion"],
            ["Je n'arrive plus à me connecter à mon compte, le mot de passe est refusé.",
             "J'ai demandé à réinitialiser mon mot de passe mais je ne reçois rien.",
             "Mon compte est bloqué après plusieurs tentatives de connexion.",
             "Comment modifier l'adresse e-mail de mon profil ?"],
        ),
        "it": (
            ["Non riesco ad accedere", "Password dimenticata", "Account bloccato",
             "Cambiare nome utente", "Problema con le credenziali"],
            ["Non riesco ad accedere al mio account, la password risulta errata.",
             "Ho chiesto di reimpostare la password ma l'email non arriva.",
             "Il mio account bloccato dopo troppi tentativi, potete sbloccarlo?",
             "Come posso cambiare il nome utente del mio profilo?"],
        ),
        "de": (
            ["Anmeldung nicht möglich", "Passwort vergessen", "Konto gesperrt",
             "Benutzername ändern"],
            ["Ich kann mich nicht anmelden, mein Passwort wird nicht akzeptiert.",
             "Die E-Mail zum Zurücksetzen des Passworts kommt nicht an.",
             "Mein Konto ist nach mehreren Versuchen gesperrt.",
             "Wie kann ich meinen Benutzernamen ändern?"],
        ),
    },
    "feature": {
        "en": (
            ["Feature request: {idea}", "Suggestion for the {screen}", "Please add {idea}",
             "Improvement idea"],
            ["It would be nice to have {idea}; our team would use it every day.",
             "Could you add {idea} to the {screen}? That would improve our workflow a lot.",
             "Suggestion: let us customise the {screen}. Is it on the roadmap?",
             "We would like an integration with our calendar tool."],
        ),
        "fr": (
            ["Suggestion : {idee}", "Demande de fonctionnalité", "Amélioration de {screen}"],
            ["Ce serait bien d'avoir le {idee}, toute l'équipe l'utiliserait.",
             "Pourriez-vous ajouter le {idee} dans la page {screen} ?",
             "Une suggestion d'amélioration pour rendre la page {screen} plus claire."],
        ),
        "it": (
            ["Suggerimento: {idea_it}", "Richiesta di nuova funzionalità", "Miglioramento {screen}"],
            ["Sarebbe utile avere la {idea_it} nell'applicazione.",
             "Potreste aggiungere la {idea_it}? Ci aiuterebbe molto.",
             "Un suggerimento per migliorare la pagina {screen}."],
        ),
        "de": (
            ["Vorschlag: {idee_de}", "Funktionswunsch", "Verbesserung für {screen}"],
            ["Es wäre schön, einen {idee_de} zu haben.",
             "Könnten Sie eine Funktion für {idee_de} hinzufügen?",
             "Ein Vorschlag zur Verbesserung der Seite {screen}."],
        ),
    },
    "other": {
        "en": (
            ["General question", "Opening hours", "Partnership inquiry", "Thank you"],
            ["Do you have an office in Geneva where we can meet your team?",
             "What are your support opening hours during the holidays?",
             "We are a reseller and would like to discuss a partnership.",
             "Just wanted to say thanks for the quick help last week."],
        ),
        "fr": (
            ["Question générale", "Horaires du support", "Proposition de partenariat"],
            ["Quels sont vos horaires pendant les vacances ?",
             "Nous aimerions discuter d'un partenariat avec votre société.",
             "Merci pour votre aide rapide la semaine dernière."],
        ),
        "it": (
            ["Domanda generale", "Orari di assistenza", "Proposta di collaborazione"],
            ["Quali sono gli orari dell'assistenza durante le festività?",
             "Vorremmo proporvi una collaborazione commerciale.",
             "Grazie per l'aiuto veloce della settimana scorsa."],
        ),
        "de": (
            ["Allgemeine Frage", "Öffnungszeiten", "Partnerschaftsanfrage"],
            ["Wie sind Ihre Öffnungszeiten über die Feiertage?",
             "Wir möchten über eine Partnerschaft sprechen.",
             "Vielen Dank für die schnelle Hilfe letzte Woche."],
        ),
    },
}

CATEGORY_WEIGHTS = {"billing": 0.27, "bug": 0.33, "account": 0.2, "feature": 0.12, "other": 0.08}
LANGUAGE_WEIGHTS = {"en": 0.4, "fr": 0.25, "it": 0.2, "de": 0.15}


def _fill(template: str, rng: random.Random) -> str:
    return template.format(**{key: rng.choice(values) for key, values in FILL.items()})


def ticket_text(category: str, rng: random.Random) -> tuple[str, str, str]:
    """(title, description, language) for one ticket of the category."""
    languages = list(LANGUAGE_WEIGHTS)
    language = rng.choices(languages, weights=[LANGUAGE_WEIGHTS[x] for x in languages])[0]
    titles, bodies = TEXTS[category][language]
    title = _fill(rng.choice(titles), rng)
    body = " ".join(_fill(b, rng) for b in rng.sample(bodies, k=min(len(bodies), rng.randint(1, 2))))
    return title, body, language


def pick_category(rng: random.Random) -> str:
    names = list(CATEGORY_WEIGHTS)
    return rng.choices(names, weights=[CATEGORY_WEIGHTS[n] for n in names])[0]
