"""Piccolo tables of the portal. Migrations live in the top-level migrations/ folder."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

# Roles, as docs/regles.md names them.
AGENT_CDC = "agent_cdc"
PRINCIPAL = "administrateur_principal"
DELEGUE = "administrateur_delegue"
GESTIONNAIRE = "gestionnaire"

ACTIF = "actif"
SUSPENDU = "suspendu"
CIVILITES = {"Mme": "Madame", "M.": "Monsieur"}


def cle_etrangere(valeur) -> int | None:
    """A ForeignKey value may be an id or a loaded row: the id."""
    return getattr(valeur, "id", valeur)


class Organisme(Table, tablename="organisme"):
    id = Serial(primary_key=True)
    siret = Varchar(length=14, unique=True)
    raison_sociale = Varchar(length=200)
    type = Varchar(length=20)  # employeur_public | operateur
    statut = Varchar(length=10, default=ACTIF)
    cree_le = Timestamptz()
    # Paramètres: the principal requires a second factor of every gestionnaire (web.droits).
    second_facteur_requis = Boolean(default=False)


class Unite(Table, tablename="unite"):
    id = Serial(primary_key=True)
    organisme = ForeignKey(references=Organisme, index=True)
    nom = Varchar(length=100)


class Utilisateur(Table, tablename="utilisateur"):
    """A person who signs in: an agent of the Caisse des Dépôts or a gestionnaire."""

    id = Serial(primary_key=True)
    identifiant = Varchar(length=8, unique=True)
    organisme = ForeignKey(references=Organisme, null=True, index=True)
    role = Varchar(length=30)
    civilite = Varchar(length=3)  # Mme | M.
    prenom = Varchar(length=100)
    nom = Varchar(length=100)
    courriel = Varchar(length=254)
    telephone_fixe = Varchar(length=20, default="")
    telephone_portable = Varchar(length=20, default="")
    fonction = Varchar(length=100, default="")
    unite = ForeignKey(references=Unite, null=True)
    niveau = Varchar(length=20, null=True, default=None)
    statut = Varchar(length=10, default=ACTIF)
    mot_de_passe = Varchar(length=200)  # argon2id hash, never the password
    mot_de_passe_temporaire = Boolean(default=True)
    mot_de_passe_expire_le = Timestamptz(null=True, default=None)
    cgu_version = Integer(null=True, default=None)
    cree_le = Timestamptz()
    cree_par = ForeignKey(references="self", null=True)
    # Search keys: upper-case, accents removed (web.recherche.cle), for indexed prefix search.
    nom_cle = Varchar(length=100, default="", index=True)
    prenom_cle = Varchar(length=100, default="")
    # The unit's name as a search key ("" without a unit), kept here so that « Gérer les
    # habilitations » sorted by unit reads an index instead of sorting the organisation
    # (web.comptes.service.cle_unite; a unit's rename updates it).
    unite_cle = Varchar(length=100, default="")
    # "Mes délégations": who last set this person's level / délégué flag, and when.
    habilite_par = ForeignKey(references="self", null=True)
    habilite_le = Timestamptz(null=True, default=None)
    # The account's history: the last full sign-in (null: never), the last password its holder
    # chose (null: still a temporary one).
    derniere_connexion = Timestamptz(null=True, default=None)
    mot_de_passe_modifie_le = Timestamptz(null=True, default=None)


class AncienMotDePasse(Table, tablename="ancien_mot_de_passe"):
    """The last hashes of a person, so that a new password is not one of them."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    hash = Varchar(length=200)
    cree_le = Timestamptz()


class Compteur(Table, tablename="compteur"):
    """Failure counters (web.connexion.verrou), reserved by one upsert each: per typed identifiant
    and device, per typed identifiant for unknown devices (whether or not an account has it, so
    that a lock never tells which identifiants exist), and per client address over a window."""

    id = Serial(primary_key=True)
    cle = Varchar(length=120, unique=True)
    echecs = Integer(default=0)
    verrou_jusqua = Timestamptz(null=True, default=None)
    debut = Timestamptz(null=True, default=None)  # start of the counting window
    jeton = Varchar(length=32, default="")  # the last reservation that was let through
    alerte_le = Timestamptz(null=True, default=None)  # the owner was last mailed about a lock
    maj_le = Timestamptz()


class Session(Table, tablename="session"):
    """A signed-in browser (web.sessions): only the hash of its cookie's token is stored."""

    id = Serial(primary_key=True)
    jeton_hash = Varchar(length=64, unique=True)  # sha256 of the cookie value
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    cree_le = Timestamptz()
    vu_le = Timestamptz()
    adresse = Varchar(length=45, default="")
    # "" : a full session. "second_facteur" / "enrolement": opened by the password alone, it opens
    # nothing but the second step / the required enrolment (web.facteurs), which upgrade it.
    etape = Varchar(length=20, default="")
    facteur_le = Timestamptz(null=True, default=None)  # the second factor was last verified
    defi = Varchar(length=200, default="")  # the pending WebAuthn challenge (single use)
    defi_le = Timestamptz(null=True, default=None)


class CleAcces(Table, tablename="cle_acces"):
    """A passkey (WebAuthn credential) of a person: only its public key is known to the portal."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    credential_id = Varchar(length=1400, unique=True)  # base64url
    cle_publique = Text()  # base64url of the COSE key
    compteur = BigInt(default=0)  # the authenticator's sign counter: a step back means a clone
    transports = Varchar(length=200, default="")
    nom = Varchar(length=64)
    cree_le = Timestamptz()
    utilise_le = Timestamptz(null=True, default=None)


class FacteurTotp(Table, tablename="facteur_totp"):
    """A one-time-code application (RFC 6238): its secret sealed with a key derived from
    PORTAIL_SECRET_KEY, the last time step accepted (each code once only)."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, unique=True)
    secret = Text()
    dernier_pas = BigInt(default=0)
    confirme = Boolean(default=False)  # a first code was given back at enrolment
    cree_le = Timestamptz()
    utilise_le = Timestamptz(null=True, default=None)


class CodeSecours(Table, tablename="code_secours"):
    """Ten single-use recovery codes, argon2id hashes only."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    hash = Varchar(length=200)
    utilise_le = Timestamptz(null=True, default=None)


class AcceptationCgu(Table, tablename="acceptation_cgu"):
    """Who accepted which version of the CGU, when and from where (web.connexion.service)."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    version = Integer()
    accepte_le = Timestamptz()
    adresse = Varchar(length=45, default="")


class Journal(Table, tablename="journal"):
    """Append-only: the code only ever inserts here."""

    id = Serial(primary_key=True)
    cree_le = Timestamptz(index=True)
    type = Varchar(length=40, index=True)
    acteur = ForeignKey(references=Utilisateur, null=True, index=True)
    cible = ForeignKey(references=Utilisateur, null=True, index=True)
    organisme = ForeignKey(references=Organisme, null=True, index=True)
    identifiant_saisi = Varchar(length=32, default="")  # for failures, the typed identifiant
    detail = Text(default="")
    adresse = Varchar(length=45, default="", index=True)


# Courriel.statut (web.courriels delivers; web.observabilite counts).
A_ENVOYER, EN_COURS, ENVOYE, ECHEC = "a_envoyer", "en_cours", "envoye", "echec"


class Courriel(Table, tablename="courriel"):
    """Outbox: written in the transaction of the change, delivered by web.courriels."""

    id = Serial(primary_key=True)
    cree_le = Timestamptz()
    destinataire = Varchar(length=254)
    sujet = Varchar(length=200)
    corps = Text()  # sealed (web.file_d_envoi.sceller): it may hold a temporary password; emptied once sent or given up
    statut = Varchar(length=12, default="a_envoyer", index=True)
    tentatives = Integer(default=0)
    prochain_essai = Timestamptz()
    pris_le = Timestamptz(null=True, default=None)
    envoye_le = Timestamptz(null=True, default=None)
    erreur = Varchar(length=300, default="")
    # Whom the message is about and what it carries, so that a final failure is shown to those
    # who may act (a temporary password: whoever may renew it).
    concerne = ForeignKey(references=Utilisateur, null=True, index=True)
    genre = Varchar(length=30, default="")


class Tache(Table, tablename="tache"):
    """A periodic task shared by every instance: whoever moves `prochaine` forward runs it."""

    id = Serial(primary_key=True)
    nom = Varchar(length=40, unique=True)
    prochaine = Timestamptz()
    derniere = Timestamptz(null=True, default=None)
    executions = Integer(default=0)


class DemandeRenouvellement(Table, tablename="demande_renouvellement"):
    """ "Mot de passe oublié": a request that whoever may renew this password sees and serves."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, index=True)
    cree_le = Timestamptz(index=True)
    adresse = Varchar(length=45, default="")
    statut = Varchar(length=12, default="en_attente", index=True)  # en_attente | traitee
    traitee_par = ForeignKey(references=Utilisateur, null=True)
    traitee_le = Timestamptz(null=True, default=None)


class DemandeOubli(Table, tablename="demande_oubli"):
    """ "Mot de passe oublié" as typed, queued by the request and handled by the background task:
    the request does the same work whether or not the identifiant exists."""

    id = Serial(primary_key=True)
    identifiant = Varchar(length=32)
    adresse = Varchar(length=45, default="")
    cree_le = Timestamptz()


class Titulaire(Table, tablename="titulaire"):
    """A CPF account holder (an agent)."""

    id = Serial(primary_key=True)
    nir = Varchar(length=15, unique=True)  # stored compact, key checked (stdnum.fr.nir)
    nom_naissance = Varchar(length=100)
    nom_usage = Varchar(length=100, default="")
    prenom = Varchar(length=100)
    date_naissance = Date()
    courriel = Varchar(length=254, default="")
    telephone = Varchar(length=20, default="")
    adresse = Varchar(length=300, default="")
    # Upper-case, accents removed: the name search matches either name this way.
    nom_naissance_cle = Varchar(length=100, default="")
    nom_usage_cle = Varchar(length=100, default="")


class Emploi(Table, tablename="emploi"):
    """Which organisations employ a titulaire: a gestionnaire sees only their own."""

    id = Serial(primary_key=True)
    titulaire = ForeignKey(references=Titulaire, index=True)
    organisme = ForeignKey(references=Organisme, index=True)


class Dossier(Table, tablename="dossier"):
    """Dossier de formation. Statuts: en_cours_elaboration, valide, rejete, cloture."""

    id = Serial(primary_key=True)
    titulaire = ForeignKey(references=Titulaire, index=True)
    organisme = ForeignKey(references=Organisme, index=True)
    intitule = Varchar(length=200)
    organisme_formation = Varchar(length=200)
    date_debut = Date()
    date_fin = Date()
    heures_prevues = Integer()
    heures_realisees = Integer(null=True, default=None)
    statut = Varchar(length=30, default="en_cours_elaboration", index=True)
    motif = Text(default="")
    cree_par = ForeignKey(references=Utilisateur, null=True)
    cree_le = Timestamptz()
    modifie_le = Timestamptz()


class HistoriqueDossier(Table, tablename="historique_dossier"):
    id = Serial(primary_key=True)
    dossier = ForeignKey(references=Dossier, index=True)
    de = Varchar(length=30, default="")
    vers = Varchar(length=30)
    par = ForeignKey(references=Utilisateur, null=True)
    le = Timestamptz()
    motif = Text(default="")


class Mouvement(Table, tablename="mouvement"):
    """Compte d'heures: the balance is the sum of these (credits > 0, debits < 0)."""

    id = Serial(primary_key=True)
    titulaire = ForeignKey(references=Titulaire, index=True)
    date = Date()
    heures = Integer()
    type = Varchar(length=20)  # alimentation | cloture
    libelle = Varchar(length=200, default="")
    dossier = ForeignKey(references=Dossier, null=True, unique=True)  # one debit per dossier


class MessageContact(Table, tablename="message_contact"):
    """« Nous contacter »: a question from a person of an organisation to the Caisse des Dépôts,
    read and answered in its space (web.contact). The answers go to the account's courriel."""

    id = Serial(primary_key=True)
    auteur = ForeignKey(references=Utilisateur, index=True)
    organisme = ForeignKey(references=Organisme, index=True)
    objet = Varchar(length=150)
    corps = Text()
    statut = Varchar(length=10, default="nouveau", index=True)  # nouveau | repondu
    cree_le = Timestamptz(index=True)
    maj_le = Timestamptz()  # the last message or answer of the thread


class ReponseContact(Table, tablename="reponse_contact"):
    """An answer of an agent of the Caisse des Dépôts to a MessageContact; every answer is kept."""

    id = Serial(primary_key=True)
    message = ForeignKey(references=MessageContact, index=True)
    auteur = ForeignKey(references=Utilisateur)
    corps = Text()
    cree_le = Timestamptz()


class ImportGestionnaires(Table, tablename="import_gestionnaires"):
    """« Importer des gestionnaires » (web.importation): a checked file, seen and confirmed by its
    importer only, kept until `expire_le` (web.menage). statut: verifie (report shown, nothing
    created) | confirme (to create) | en_cours (claimed by a worker, `pris_le` its heartbeat) | termine."""

    id = Serial(primary_key=True)
    organisme = ForeignKey(references=Organisme, index=True)
    auteur = ForeignKey(references=Utilisateur, index=True)
    cree_le = Timestamptz()
    expire_le = Timestamptz(index=True)
    statut = Varchar(length=12, default="verifie")
    a_creer = Integer(default=0)  # lines accepted by the check
    faites = Integer(default=0)  # accepted lines handled so far (the progress)
    pris_le = Timestamptz(null=True, default=None)
    adresse = Varchar(length=45, default="")  # where it was confirmed from (the journal's)


class LigneImport(Table, tablename="ligne_import"):
    """One line of an ImportGestionnaires: its values as read (JSON), its verdict and, once created,
    the account. statut: accepte | refuse | present (already an active gestionnaire) | cree | echec."""

    id = Serial(primary_key=True)
    lot = ForeignKey(references=ImportGestionnaires, index=True)
    numero = Integer()
    donnees = Text()
    statut = Varchar(length=10)
    raison = Varchar(length=500, default="")
    utilisateur = ForeignKey(references=Utilisateur, null=True)


# « Revue des habilitations » (web.revue): what the principal decided for an account.
CONFIRME, MODIFIE = "confirme", "modifie"


class Revue(Table, tablename="revue"):
    """A « Revue des habilitations » of an organisation by its principal: open (terminee_le null)
    while it goes, at most one open per organisation (a partial unique index); finished, it
    records who, when and how many accounts were confirmed, changed, suspended."""

    id = Serial(primary_key=True)
    organisme = ForeignKey(references=Organisme, index=True)
    ouverte_par = ForeignKey(references=Utilisateur)
    ouverte_le = Timestamptz()
    terminee_par = ForeignKey(references=Utilisateur, null=True)
    terminee_le = Timestamptz(null=True, default=None)
    confirmes = Integer(default=0)
    modifies = Integer(default=0)
    suspendus = Integer(default=0)


class DecisionRevue(Table, tablename="decision_revue"):
    """One account's outcome in a review (unique per review and account: the last decision wins)."""

    id = Serial(primary_key=True)
    revue = ForeignKey(references=Revue)
    utilisateur = ForeignKey(references=Utilisateur)
    decision = Varchar(length=10)  # confirme | modifie | suspendu
    le = Timestamptz()


class AvisInactivite(Table, tablename="avis_inactivite"):
    """The notice mailed a month before an automatic suspension for inactivity: sent once for a
    given last activity (`depuis`); a sign-in since then makes a later notice due again."""

    id = Serial(primary_key=True)
    utilisateur = ForeignKey(references=Utilisateur, unique=True)
    depuis = Timestamptz()
    envoye_le = Timestamptz()
    # Included in its administrators' grouped mail (web.revue.inactivite.annoncer): a run that
    # died before that mail leaves it false, and the next run sends it.
    administrateurs_avises = Boolean(default=False)
