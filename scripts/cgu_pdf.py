"""Builds static/documents/cgu-v<N>.pdf from the CGU text below (run once per new version:
`pip install fpdf2 && python scripts/cgu_pdf.py`). The PDF is committed; fpdf2 is not a
runtime dependency."""

from pathlib import Path

from fpdf import FPDF

VERSION = 1
TITRE = "Conditions Générales d'Utilisation du Portail gestionnaire"
SECTIONS = [
    (
        "1. Objet",
        "Les présentes conditions régissent l'accès au Portail gestionnaire du système "
        "d'information du compte personnel de formation (SI CPF) par les employeurs publics et les "
        "opérateurs de l'emploi et de la formation professionnelle, leurs administrateurs et leurs gestionnaires.",
    ),
    (
        "2. Accès au portail",
        "L'accès est réservé aux personnes habilitées par leur organisme. Chaque "
        "utilisateur dispose d'un identifiant personnel et d'un mot de passe qu'il choisit lors de sa première "
        "connexion. Le mot de passe compte au moins 5 lettres (majuscules et minuscules) et 3 chiffres ; il est "
        "strictement personnel et ne doit être communiqué à personne.",
    ),
    (
        "3. Habilitations",
        "L'administrateur principal de l'organisme habilite les gestionnaires et peut "
        "désigner des administrateurs délégués. Chaque gestionnaire n'agit que dans la limite de son niveau "
        "d'habilitation : consultation, création, validation ou clôture des dossiers de formation.",
    ),
    (
        "4. Données personnelles",
        "Les données des titulaires consultées sur le portail ne peuvent être "
        "utilisées que pour la gestion de leurs droits à la formation. Toute action est enregistrée dans un "
        "journal consultable par les administrateurs de l'organisme.",
    ),
    (
        "5. Sécurité",
        "L'utilisateur signale sans délai à son administrateur toute utilisation de son compte "
        "qu'il n'aurait pas faite. Après plusieurs tentatives de connexion infructueuses, le compte est "
        "temporairement bloqué ; l'administrateur peut renouveler le mot de passe.",
    ),
    (
        "6. Évolution des conditions",
        "Les présentes conditions peuvent évoluer. Toute nouvelle version doit être acceptée lors de la connexion suivante.",
    ),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title(TITRE)
    pdf.set_lang("fr")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, TITRE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 8, f"Version {VERSION}", new_x="LMARGIN", new_y="NEXT")
    for titre, texte in SECTIONS:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, titre, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, texte, new_x="LMARGIN", new_y="NEXT")
    sortie = Path(__file__).resolve().parent.parent / "static" / "documents" / f"cgu-v{VERSION}.pdf"
    pdf.output(str(sortie))
    print(sortie)


if __name__ == "__main__":
    main()
