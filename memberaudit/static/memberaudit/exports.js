/* Member Audit exports page: while an export is queued or generating, poll its status and
   update the progress bar; reload the page when an export changes state (e.g. becomes ready). */
(function () {
  "use strict";
  var POLL_MS = 2000;

  function busy(state) {
    return state === "queued" || state === "running";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("ma-exports");
    if (!table) {
      return;
    }
    var rows = table.querySelectorAll("tr[data-topic]");
    var anyBusy = Array.prototype.some.call(rows, function (row) {
      return busy(row.dataset.state);
    });
    if (!anyBusy) {
      return;
    }
    function poll() {
      fetch(table.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          var changed = false;
          data.exports.forEach(function (item) {
            var row = table.querySelector('tr[data-topic="' + item.topic + '"]');
            if (!row) {
              return;
            }
            if (row.dataset.state !== item.state) {
              changed = true;
            }
            var bar = row.querySelector(".ma-export-progress");
            if (bar) {
              bar.style.width = item.percent + "%";
              bar.textContent = item.percent + "%";
            }
          });
          if (changed) {
            window.location.reload();
          } else {
            window.setTimeout(poll, POLL_MS);
          }
        })
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 5);
        });
    }
    window.setTimeout(poll, POLL_MS);
  });
})();
