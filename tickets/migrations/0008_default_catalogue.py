"""The default triage catalogue: departments and the categories of the Italian spec
(billing, bug, account, feature, other) with keywords in English, French, Italian and German,
so that a fresh database (`migrate`, no demo data) classifies and routes tickets.

The data is written out here, not imported: a migration must keep working whatever later
happens to the project's modules. Rows an operator has since created or edited are never
touched: a department or category whose slug exists is left as it is (a department whose
name exists under another slug is reused). Reversing it removes nothing (the rows may have
tickets and edits by then).
"""

from django.db import migrations

DEPARTMENTS = [
    ("general", "General"),
    ("billing", "Billing"),
    ("technical", "Technical Support"),
    ("accounts", "Accounts & Access"),
    ("product", "Product"),
]

CATEGORIES = [
    {
        "slug": "billing",
        "name": "Billing & payments",
        "department": "billing",
        "keywords": [
            # en
            "invoice", "invoices", "bill", "billing", "billed", "payment", "payments", "paid",
            "refund", "charge", "charged", "overcharged", "double charged", "receipt",
            "subscription fee", "credit card", "overdue", "price", "vat",
            # fr
            "facture", "factures", "facturation", "facturé", "paiement", "payé", "impayée",
            "impayé", "remboursement", "rembourser", "prélèvement", "prélevé", "tarif", "avoir",
            "carte bancaire", "tva",
            # it
            "fattura", "fatture", "fatturazione", "pagamento", "pagata", "pagato", "rimborso",
            "addebito", "addebitato", "ricevuta", "carta di credito", "abbonamento pagato",
            # de
            "rechnung", "rechnungen", "zahlung", "bezahlt", "rückerstattung", "abbuchung",
            "lastschrift", "gutschrift", "mahnung", "kreditkarte", "mwst",
        ],
    },
    {
        "slug": "bug",
        "name": "Technical issue",
        "department": "technical",
        "keywords": [
            # en
            "bug", "error", "errors", "crash", "crashes", "crashed", "broken", "not working",
            "doesn't work", "does not work", "exception", "freezes", "timeout", "blank page",
            "500", "outage", "slow", "fails", "failed", "glitch",
            # fr
            "erreur", "erreurs", "erreur technique", "plantage", "plante", "bogue",
            "ne fonctionne pas", "ne marche pas", "panne", "lent", "page blanche",
            # it
            "errore", "errori", "arresto anomalo", "si blocca", "non funziona", "guasto",
            "malfunzionamento", "lento", "pagina bianca", "problema tecnico",
            # de
            "fehler", "fehlermeldung", "absturz", "stürzt ab", "funktioniert nicht", "störung",
            "hängt", "langsam", "ausfall", "technisches problem",
        ],
    },
    {
        "slug": "account",
        "name": "Account & access",
        "department": "accounts",
        "keywords": [
            # en
            "password", "login", "log in", "sign in", "account", "locked out", "locked",
            "two-factor", "2fa", "username", "email address", "reset", "access", "profile",
            # fr
            "mot de passe", "compte", "connexion", "se connecter", "identifiant", "bloqué",
            "réinitialiser", "accès", "adresse e-mail", "profil",
            # it
            "password", "accesso", "accedere", "credenziali", "account bloccato",
            "nome utente", "reimpostare", "profilo", "utenza",
            # de
            "passwort", "kennwort", "konto", "anmeldung", "anmelden", "einloggen", "zugang",
            "gesperrt", "benutzername", "zurücksetzen",
        ],
    },
    {
        "slug": "feature",
        "name": "Feature request",
        "department": "product",
        "keywords": [
            # en
            "feature", "feature request", "suggestion", "would be nice", "would like",
            "please add", "add support", "enhancement", "improve", "improvement", "roadmap",
            "integration", "dark mode", "export",
            # fr
            "fonctionnalité", "suggestion", "amélioration", "améliorer", "serait bien",
            "pourriez-vous ajouter", "ajouter", "mode sombre", "exporter",
            # it
            "funzionalità", "suggerimento", "miglioramento", "migliorare", "sarebbe utile",
            "aggiungere", "potreste aggiungere", "modalità scura", "esportare",
            # de
            "funktion", "vorschlag", "verbesserung", "verbessern", "wäre schön", "wunsch",
            "hinzufügen", "dunkelmodus", "exportieren",
        ],
    },
    {
        "slug": "other",
        "name": "Other",
        "department": "general",
        "keywords": [
            # en
            "general question", "opening hours", "partnership",
            # fr
            "question générale", "horaires", "partenariat",
            # it
            "domanda generale", "orari", "collaborazione",
            # de
            "allgemeine frage", "öffnungszeiten", "partnerschaft",
        ],
    },
]


def install_default_catalogue(apps, schema_editor):
    """Create the default departments and categories that do not exist yet."""
    Department = apps.get_model("agents", "Department")
    Category = apps.get_model("tickets", "Category")
    alias = schema_editor.connection.alias
    departments = {}
    for slug, name in DEPARTMENTS:
        department = Department.objects.using(alias).filter(slug=slug).first()
        if department is None:
            department = Department.objects.using(alias).filter(name=name).first()
        if department is None:
            department = Department.objects.using(alias).create(slug=slug, name=name)
        departments[slug] = department
    for spec in CATEGORIES:
        if Category.objects.using(alias).filter(slug=spec["slug"]).exists():
            continue
        Category.objects.using(alias).create(
            slug=spec["slug"],
            name=spec["name"],
            department=departments[spec["department"]],
            keywords=list(spec["keywords"]),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0002_general_department"),
        ("tickets", "0007_classifier_artifact_signature"),
    ]

    operations = [migrations.RunPython(install_default_catalogue, migrations.RunPython.noop)]
