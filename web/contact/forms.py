"""« Nous contacter »: the subject and the message (the sender's coordonnées come from the account,
never from the request), and the Caisse des Dépôts' answer."""

from __future__ import annotations

from web.formulaires import Champ, Formulaire

OBJET_MAX = 150
MESSAGE_MAX = 5000


class Texte(Champ):
    """A message as written: its line breaks kept (\\r\\n made \\n), blank lines around it removed,
    bounded in characters after that."""

    type = "textarea"

    def lire(self, donnees, nom, erreurs):
        lignes = [ligne.rstrip() for ligne in str(donnees.get(nom, "")).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
        valeur = "\n".join(lignes).strip()
        if not valeur:
            erreurs[nom] = self.manquant or f"Saisissez le champ « {self.libelle} »."
        elif len(valeur) > self.max_len:
            erreurs[nom] = f"« {self.libelle} » doit compter {self.max_len} caractères au maximum (il en compte {len(valeur)})."
        return valeur


class FormMessage(Formulaire):
    objet = Champ("Objet", max_len=OBJET_MAX, manquant="Saisissez l'objet de votre message.", attrs={"maxlength": str(OBJET_MAX)})
    message = Texte("Message", max_len=MESSAGE_MAX, manquant="Saisissez votre message.")


class FormReponse(Formulaire):
    reponse = Texte("Votre réponse", max_len=MESSAGE_MAX, manquant="Saisissez votre réponse.")
