"""The demo help desk: departments, categories with multilingual keywords, and agents.

Used by `manage.py setup_demo` and by the tests. Keywords are matched case- and
accent-insensitively, as whole words or phrases, so one entry covers "facture"/"Facture".

A fresh database already holds the same departments and categories, installed by
tickets/migrations/0008_default_catalogue.py (tickets/tests/test_default_catalogue.py keeps the
two equal); the users and agents below are demo-only.
"""

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

# username, department slug, capacity (None = unlimited)
AGENTS = [
    ("alice", "billing", 30),
    ("bruno", "billing", None),
    ("chiara", "technical", 30),
    ("dieter", "technical", None),
    ("emma", "accounts", None),
    ("farid", "general", None),
    ("gina", "product", 25),
]
AGENT_PASSWORD = "agent-demo-pass"
STAFF = ("admin", "admin-demo-pass")
REQUESTER = ("demo", "demo-pass")

# The demo's default service levels (tickets/sla/, docs/sla.md): business hours of a
# Milan-based team, Italian public holidays closed; minutes per priority.
SLA_CALENDAR = {
    "name": "Demo support hours",
    "time_zone": "Europe/Rome",
    "weekly_hours": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "IT",
}
SLA_POLICY = {
    "name": "Demo service levels",
    "targets": {
        "LOW": {"first_response_minutes": 8 * 60, "resolution_minutes": 40 * 60},
        "MEDIUM": {"first_response_minutes": 4 * 60, "resolution_minutes": 24 * 60},
        "HIGH": {"first_response_minutes": 2 * 60, "resolution_minutes": 10 * 60},
        "URGENT": {"first_response_minutes": 30, "resolution_minutes": 4 * 60},
    },
}
