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
  document.addEventListener("htmx:afterSwap", function (e) {
    initAfficher(e.detail.elt);
    // After a full form swap (errors), bring the reader to the summary.
    if (e.detail.target.id === "dialogue-contenu") focaliser(e.detail.target);
  });
})();
