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

  document.addEventListener("DOMContentLoaded", function () {
    initAfficher(document);
    focaliser(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    initAfficher(e.detail.elt);
  });
})();
