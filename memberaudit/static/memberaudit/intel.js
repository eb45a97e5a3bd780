/* Intel pages: shared helpers. Every value from the server is escaped before it becomes HTML.
 * Numbers, times and ISK go through the formatting layer (formatting.js): times and ISK come
 * written by the server (row.shown), counts are grouped in the page's language. */
window.MemberAuditIntel = (() => {
  "use strict";
  const {escape, number, shown} = window.MemberAuditFormat;
  const labels = {};
  const template = document.getElementById("ma-intel-labels");
  if (template) {
    template.content.querySelectorAll("[data-key]").forEach((el) => { labels[el.dataset.key] = el.textContent; });
  }
  const link = (url, text) => (url ? `<a href="${escape(url)}">${escape(text)}</a>` : escape(text));

  function evidenceTable(rows, limited) {
    if (!rows || !rows.length) return `<p class="text-body-secondary mb-0">${escape(labels.none)}</p>`;
    const head = ["character", "source", "counterparty", "matched", "first_seen", "last_seen", "count", "isk", "standing"]
      .map((key) => `<th>${escape(labels[key])}</th>`).join("");
    const body = rows.map((row) => {
      const matched = row.matches.map((m) =>
        `${escape(m.entity)} <span class="text-body-secondary">(${escape(m.list ? m.list + ", " : "")}${escape(m.via_title)})</span>`
      ).join("<br>");
      return `<tr><td>${link(row.viewer_url, row.character)}</td><td>${escape(row.source_title)}</td>` +
        `<td>${escape(row.counterparty)} <span class="text-body-secondary small">${escape(row.counterparty_id)}</span></td>` +
        `<td>${matched}</td><td>${shown(row.shown.first_seen)}</td><td>${shown(row.shown.last_seen)}</td>` +
        `<td class="text-end">${escape(number(row.count))}</td><td class="text-end">${shown(row.shown.isk)}</td>` +
        `<td class="text-end">${escape(row.standing == null ? "" : number(row.standing, 1))}</td></tr>`;
    }).join("");
    const note = limited ? `<p class="small text-body-secondary mb-0">${escape(labels.more)}</p>` : "";
    return `<table class="table table-sm mb-1"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${note}`;
  }

  /** Form values as an object, to send with every DataTables request. */
  function formParams(form) {
    const params = {};
    new FormData(form).forEach((value, key) => { if (value !== "") params[key] = value; });
    return params;
  }

  return {escape, labels, number, shown, link, evidenceTable, formParams};
})();
