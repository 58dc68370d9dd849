// Passkeys (WebAuthn): the few lines HTML cannot do. Without JavaScript or WebAuthn the section
// stays hidden and the one-time and recovery codes work as plain forms.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) return;

  function jeton() {
    var champ = document.querySelector("input[name=_csrf_token]");
    return champ ? champ.value : (document.querySelector("[data-csrf]") || {}).dataset.csrf || "";
  }

  function annoncer(message) {
    var zone = document.getElementById("cle-message");
    zone.innerHTML = "";
    var p = document.createElement("p");
    p.className = "alerte alerte--erreur";
    p.textContent = message;
    zone.appendChild(p);
    zone.focus();
  }

  function poster(url, donnees) {
    var corps = new URLSearchParams(donnees);
    corps.set("_csrf_token", jeton());
    return fetch(url, { method: "POST", body: corps, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); });
  }

  function mener(bouton, url, obtenir, extra) {
    bouton.disabled = true;
    poster(url + "/options", {})
      .then(function (options) {
        if (options.erreur) throw new Error(options.erreur);
        return obtenir(options);
      })
      .then(function (cle) {
        return poster(url, Object.assign({ reponse: JSON.stringify(cle.toJSON()) }, extra()));
      })
      .then(function (resultat) {
        if (resultat.aller) { window.location.assign(resultat.aller); return; }
        throw new Error(resultat.erreur);
      })
      .catch(function (e) {
        annoncer(e && e.name === "NotAllowedError"
          ? "L'opération a été annulée ou le délai est dépassé. Réessayez."
          : (e && e.message) || "La clé d'accès n'a pas pu être utilisée. Réessayez.");
      })
      .finally(function () { bouton.disabled = false; });
  }

  document.querySelectorAll("[data-cles]").forEach(function (s) { s.hidden = false; });

  document.addEventListener("click", function (e) {
    var connexion = e.target.closest("[data-cle-connexion]");
    if (connexion) {
      mener(connexion, connexion.dataset.cleConnexion, function (options) {
        return navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      }, function () { return connexion.dataset.suite ? { suite: connexion.dataset.suite } : {}; });
    }
    var ajout = e.target.closest("[data-cle-ajout]");
    if (ajout) {
      mener(ajout, ajout.dataset.cleAjout, function (options) {
        return navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      }, function () {
        var nom = document.getElementById("nom");
        return Object.assign({ nom: nom ? nom.value : "" }, ajout.dataset.suite ? { suite: ajout.dataset.suite } : {});
      });
    }
  });
})();
