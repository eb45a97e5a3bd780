/* Member Audit: fills the shared confirmation dialog (partials/confirm_modal.html) from the
   data-ma-* attributes of the button that opened it. Text only: no HTML is injected. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var modal = document.getElementById("ma-confirm-modal");
    if (!modal) {
      return;
    }
    modal.addEventListener("show.bs.modal", function (event) {
      var trigger = event.relatedTarget;
      if (!trigger) {
        return;
      }
      var submit = document.getElementById("ma-confirm-modal-submit");
      document.getElementById("ma-confirm-form").setAttribute("action", trigger.dataset.maAction);
      document.getElementById("ma-confirm-modal-title").textContent = trigger.dataset.maTitle;
      document.getElementById("ma-confirm-modal-body").textContent = trigger.dataset.maBody;
      submit.textContent = trigger.dataset.maConfirm;
      submit.className = "btn " + (trigger.dataset.maStyle || "btn-primary");
    });
  });
})();
