// The few things HTML cannot do alone. Everything works without this file.
(function () {
  "use strict";

  // "Afficher le mot de passe": reveal the checkbox only when it can work.
  function initAfficher(racine) {
    racine.querySelectorAll("[data-afficher]").forEach(function (bloc) {
      if (bloc.dataset.pret) return;
      bloc.dataset.pret = "1";
      var caseACocher = bloc.querySelector("input[type=checkbox]");
      bloc.hidden = false;
      caseACocher.addEventListener("change", function () {
        bloc.dataset.afficher.split(" ").forEach(function (id) {
          var champ = document.getElementById(id);
          if (champ) champ.type = caseACocher.checked ? "text" : "password";
        });
      });
    });
  }

  // Move focus to an error summary or alert that the server just rendered.
  function focaliser(racine) {
    var cible = racine.querySelector("[data-focus]");
    if (cible) cible.focus();
  }

  // A link with data-dialogue opens its page inside a <dialog> (htmx loads the form block);
  // without JavaScript the link simply goes to that page. Escape or "Annuler" (data-fermer)
  // close it and focus returns to the link.
  var ouvreur = null;
  document.addEventListener("click", function (e) {
    var lien = e.target.closest("a[data-dialogue]");
    if (lien && window.htmx) {
      var dialogue = document.getElementById(lien.dataset.dialogue);
      if (!dialogue) return;
      e.preventDefault();
      ouvreur = lien;
      var contenu = dialogue.querySelector("[id]");
      htmx.ajax("GET", lien.getAttribute("href"), { target: "#" + contenu.id }).then(function () {
        dialogue.showModal();
        var champ = dialogue.querySelector("input:not([type=hidden]), select, textarea");
        if (champ) champ.focus();
      });
      return;
    }
    var fermer = e.target.closest("dialog [data-fermer]");
    if (fermer) {
      e.preventDefault();
      fermer.closest("dialog").close();
    }
  });
  // Enter in a text field submits with the form's main button (data-defaut), not with the
  // first submit button in the page order (e.g. "Ajouter une unité"); a field may name its
  // own button (data-entree="<id>").
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.target.tagName !== "INPUT" || !e.target.form) return;
    if (/^(checkbox|radio|submit|button|reset)$/.test(e.target.type)) return;
    var bouton = e.target.dataset.entree ? document.getElementById(e.target.dataset.entree)
      : e.target.form.querySelector("[data-defaut]");
    if (!bouton) return;
    e.preventDefault();
    bouton.click();
  });
  document.addEventListener("close", function (e) {
    if (e.target.tagName === "DIALOG" && ouvreur) {
      ouvreur.focus();
      ouvreur = null;
    }
  }, true);

  document.addEventListener("DOMContentLoaded", function () {
    initAfficher(document);
    focaliser(document);
  });
  // An inline check (a field posted as it is left, its wrapper swapped back) must not
  // overwrite a field the user has since gone back to or changed: it runs again on leaving.
  document.addEventListener("htmx:configRequest", function (e) {
    var elt = e.detail.elt;
    if (elt.matches && elt.matches("input[hx-select^='#champ-']")) elt.dataset.envoye = elt.value;
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var elt = e.detail.requestConfig && e.detail.requestConfig.elt;  // detail.elt is the target here
    if (elt && elt.dataset && elt.dataset.envoye !== undefined &&
        (elt === document.activeElement || elt.value !== elt.dataset.envoye)) {
      e.detail.shouldSwap = false;
    }
  });
  // A request that fails says so where the person is looking: at the top of the region it
  // targets (inside the dialog when one is open; the form for a field's check), in an alert that
  // screen readers announce. The server's own words when it sent its error message (data-erreur),
  // ours when it sent none or could not be reached. Nothing already typed is removed.
  var MESSAGES = {
    reseau: "Le portail ne répond pas. Vérifiez votre connexion, puis réessayez.",
    403: "Action refusée : ce formulaire a peut-être expiré. Rechargez la page, puis recommencez.",
    404: "Ce contenu n'existe plus. Rechargez la page.",
    4: "Votre demande n'a pas pu être traitée. Rechargez la page, puis recommencez.",
    5: "Une erreur technique est survenue. Rien n'a été enregistré ; réessayez dans quelques instants."
  };
  function messageDe(xhr) {
    if (!xhr || !xhr.status) return MESSAGES.reseau;
    if (xhr.responseText) {
      var bloc = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("[data-erreur]");
      if (bloc) return bloc.textContent.replace(/\s+/g, " ").trim();
    }
    return MESSAGES[xhr.status] || MESSAGES[Math.floor(xhr.status / 100)] || MESSAGES[5];
  }
  function zoneDe(detail) {
    var cible = detail.target || detail.elt;
    var dialogue = cible && cible.closest && cible.closest("dialog[open]");
    if (dialogue) return dialogue.querySelector("[id]") || dialogue;
    var swap = detail.requestConfig && detail.requestConfig.elt && detail.requestConfig.elt.getAttribute("hx-swap");
    if (swap === "outerHTML") return cible.closest("form") || document.getElementById("contenu");
    return cible || document.getElementById("contenu");
  }
  function signalerEchec(e) {
    var zone = zoneDe(e.detail);
    if (!zone) return;
    var alerte = zone.querySelector(":scope > [data-echec-requete]");
    if (!alerte) {
      alerte = document.createElement("div");
      alerte.className = "alerte alerte--erreur";
      alerte.setAttribute("role", "alert");
      alerte.dataset.echecRequete = "";
      zone.insertBefore(alerte, zone.firstChild);
    }
    var message = messageDe(e.detail.xhr);
    alerte.textContent = "";
    // Written once the (empty) alert is in the page, so that the change is announced.
    window.setTimeout(function () { alerte.textContent = message; }, 50);
  }
  document.addEventListener("htmx:responseError", signalerEchec);
  document.addEventListener("htmx:sendError", signalerEchec);
  document.addEventListener("htmx:timeout", signalerEchec);
  document.addEventListener("htmx:afterRequest", function (e) {
    if (!e.detail.successful) return;
    var zone = zoneDe(e.detail);
    var alerte = zone && zone.querySelector(":scope > [data-echec-requete]");
    if (alerte) alerte.remove();
  });
  // The password checklist is swapped whole at each pause in typing; only the sentences that
  // changed are announced (#politique-annonce), not the whole list again.
  function etatPolitique(panneau) {
    var etat = {};
    panneau.querySelectorAll(".force, .regle").forEach(function (el) {
      var texte = el.textContent.replace(/\s+/g, " ").trim();
      etat[el.classList.contains("force") ? "force" : texte.replace(/^(Non respecté|Respecté) : /, "")] = texte;
    });
    return etat;
  }
  var avantPolitique = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "politique-mdp") avantPolitique = etatPolitique(e.detail.target);
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target.id === "politique-mdp" && avantPolitique) {
      var apres = etatPolitique(e.detail.target), changes = [];
      Object.keys(apres).forEach(function (cle) { if (avantPolitique[cle] !== apres[cle]) changes.push(apres[cle]); });
      var annonce = document.getElementById("politique-annonce");
      if (annonce && changes.length) annonce.textContent = changes.join(". ");
      avantPolitique = null;
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    initAfficher(e.detail.elt);
    // After a full form swap (errors), bring the reader to the summary.
    if (e.detail.target.id === "dialogue-contenu") focaliser(e.detail.target);
  });
})();
