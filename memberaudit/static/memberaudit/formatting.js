/* The one formatting layer (memberaudit.core.formatting) for the pages' scripts.
 *
 * Numbers follow the language the server answers in, not the browser's: the page carries that
 * language's separators and abbreviations (#ma-number-format, from formatting.script_number_format).
 * Times and ISK come already written by the server as {text, title} cells ("shown"), so a script
 * never formats a date itself. Everything returned as HTML is escaped.
 */
window.MemberAuditFormat = (() => {
  "use strict";
  const element = document.getElementById("ma-number-format");
  const config = element ? JSON.parse(element.textContent) : {
    decimal: ".",
    thousands: ",",
    abbreviations: [[1e12, "%(number)st"], [1e9, "%(number)sb"], [1e6, "%(number)sm"], [1e3, "%(number)sk"]],
  };

  const escape = (text) => {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  };

  /** All digits, grouped: 1234567.891 -> "1,234,567.89" (English), "1.234.567,89" (German). */
  function number(value, digits = 0) {
    if (value == null || value === "") return "";
    const n = Number(value);
    if (!Number.isFinite(n)) return "";
    const [whole, fraction] = Math.abs(n).toFixed(digits).split(".");
    const sign = n < 0 && /[1-9]/.test(whole + (fraction || "")) ? "-" : "";
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, config.thousands);
    return sign + grouped + (fraction ? config.decimal + fraction : "");
  }

  /** As formatting.abbreviate: 1.2b, 350m, 12.5k (German: 1,2 Mrd., 350 Mio., 12,5 Tsd.). */
  function abbreviate(value) {
    const n = Number(value);
    if (value == null || value === "" || !Number.isFinite(n)) return "";
    const sign = n < 0 ? "-" : "";
    const size = Math.abs(n);
    for (const [threshold, pattern] of config.abbreviations) {
      if (size >= threshold * 0.9995) {
        const scaled = size / threshold;
        const digits = Math.max(0, 3 - String(Math.round(scaled)).length);
        const text = String(Number(scaled.toFixed(digits))).replace(".", config.decimal);
        return sign + pattern.replace("%(number)s", text);
      }
    }
    const text = String(Number(size.toFixed(2)));
    return text === "0" ? "0" : sign + text.replace(".", config.decimal);
  }

  /** A cell the server wrote ({text, title}: EVE time with the relative time, ISK with all digits). */
  function shown(cell, empty = "") {
    if (!cell || !cell.text) return escape(empty);
    return cell.title
      ? `<span class="text-nowrap" title="${escape(cell.title)}">${escape(cell.text)}</span>`
      : `<span class="text-nowrap">${escape(cell.text)}</span>`;
  }

  return {escape, number, abbreviate, shown};
})();
