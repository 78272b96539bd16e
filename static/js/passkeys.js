/* Passkeys: add one, log in with one, or prove a second factor with one.
 * Each [data-passkey-box] names where to get options (data-options-url) and where to post the
 * browser's answer (data-url); the server checks everything and answers {redirect} or
 * {message}. Boxes stay hidden in browsers without WebAuthn. */
(function () {
  "use strict";

  var supported = !!(window.PublicKeyCredential && navigator.credentials && navigator.credentials.create);

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  // --- base64url <-> bytes -------------------------------------------------------------

  function toBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  // --- the ceremonies ------------------------------------------------------------------

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.message || "passkey " + response.status);
          error.serverMessage = body.message;
          throw error;
        }
        return body;
      });
    });
  }

  // What the server reads: the credential with its bytes as base64url, and the response's own
  // fields (attestation when made, signature when used).
  function serialize(credential, fields) {
    var response = {};
    Object.keys(fields).forEach(function (name) { response[name] = fields[name](credential.response); });
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response
    };
  }

  function encoded(name) {
    return function (response) { return toBase64url(response[name]); };
  }

  function create(options) {
    options.challenge = toBytes(options.challenge);
    options.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
    options.excludeCredentials = withIds(options.excludeCredentials);
    return navigator.credentials.create({ publicKey: options }).then(function (credential) {
      return serialize(credential, {
        clientDataJSON: encoded("clientDataJSON"),
        attestationObject: encoded("attestationObject"),
        transports: function (response) { return response.getTransports ? response.getTransports() : []; }
      });
    });
  }

  function get(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = withIds(options.allowCredentials);
    return navigator.credentials.get({ publicKey: options }).then(function (credential) {
      return serialize(credential, {
        clientDataJSON: encoded("clientDataJSON"),
        authenticatorData: encoded("authenticatorData"),
        signature: encoded("signature"),
        userHandle: encoded("userHandle")
      });
    });
  }


  function extra(box, action) {
    if (action === "register") {
      var name = box.querySelector("[data-passkey-name]");
      return { name: name ? name.value : "" };
    }
    if (action === "login" && box.dataset.rememberField) {
      var remember = document.getElementById(box.dataset.rememberField);
      return { remember: !!(remember && remember.checked) };
    }
    return {};
  }

  function say(box, message, failed) {
    var status = box.querySelector("[data-passkey-status]");
    if (!status) return;
    status.textContent = message || "";
    status.classList.toggle("field__error", !!failed);
  }

  function explain(box, error) {
    if (error.serverMessage) return error.serverMessage;
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") return box.dataset.msgCancelled;
    if (name === "InvalidStateError") return box.dataset.msgExists;
    if (name === "SecurityError") return box.dataset.msgUnavailable;
    return box.dataset.msgFailed;
  }

  function run(button) {
    var box = button.closest("[data-passkey-box]");
    var action = button.dataset.passkey;
    if (!box || button.disabled) return;
    if (action === "register") {
      var name = box.querySelector("[data-passkey-name]");
      if (name && !name.reportValidity()) return;
    }
    button.disabled = true;
    say(box, box.dataset.msgWorking, false);
    post(box.dataset.optionsUrl)
      .then(function (options) { return action === "register" ? create(options) : get(options); })
      .then(function (credential) {
        return post(box.dataset.url, Object.assign({ credential: credential }, extra(box, action)));
      })
      .then(function (answer) {
        window.location.assign(answer.redirect || "/");
      })
      .catch(function (error) {
        button.disabled = false;
        say(box, explain(box, error), true);
      });
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("[data-passkey-box]")) root.hidden = !supported;  // not on document
    root.querySelectorAll("[data-passkey-box]").forEach(function (box) { box.hidden = !supported; });
    root.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) { note.hidden = supported; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-passkey]");
    if (button) {
      event.preventDefault();
      run(button);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
})();
