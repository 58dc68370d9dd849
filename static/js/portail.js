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
  document.addEventListener("htmx:afterSwap", function (e) {
    initAfficher(e.detail.elt);
    // After a full form swap (errors), bring the reader to the summary.
    if (e.detail.target.id === "dialogue-contenu") focaliser(e.detail.target);
  });
})();
