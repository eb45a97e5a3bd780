/* Member Audit: the character viewer's tabs (loaded when first shown), server-side tables,
 * asset drill-down, plots and detail dialogs.
 *
 * Everything inserted as HTML comes from our server, which escapes every value (tables) or
 * renders it through Django templates with autoescaping and sanitized EVE markup (tabs,
 * dialogs). Texts taken from data attributes are inserted with textContent only.
 */
(() => {
  "use strict";

  /** DataTables of the page by table element id, with their extra request parameters */
  const tables = new Map();

  const fetchOptions = { credentials: "same-origin", headers: { "X-Requested-With": "XMLHttpRequest" } };

  function template(id) {
    const element = document.getElementById(id);
    return element ? element.innerHTML : "";
  }

  function datatablesLanguage() {
    const element = document.getElementById("ma-datatables-language");
    return element ? JSON.parse(element.textContent) : {};
  }

  async function fetchText(url) {
    const response = await fetch(url, fetchOptions);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.text();
  }

  async function fetchJson(url) {
    const response = await fetch(url, fetchOptions);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  // --- tables ---------------------------------------------------------------------------

  function setupDrillDown(element, table, params) {
    const wrapper = element.closest(".ma-table-wrapper");
    const crumbs = wrapper ? wrapper.querySelector(".ma-drill-breadcrumb") : null;
    if (!crumbs) return;
    const list = crumbs.querySelector("ol");
    const top = list.firstElementChild;
    const stack = [];

    function show() {
      while (list.children.length > 1) list.removeChild(list.lastElementChild);
      stack.forEach((entry, index) => {
        const item = document.createElement("li");
        item.className = "breadcrumb-item";
        if (index === stack.length - 1) {
          item.classList.add("active");
          item.textContent = entry.label;
        } else {
          const link = document.createElement("a");
          link.href = "#";
          link.dataset.maDrillLevel = String(index);
          link.textContent = entry.label;
          item.appendChild(link);
        }
        list.appendChild(item);
      });
      crumbs.classList.toggle("d-none", stack.length === 0);
      if (stack.length) params.parent = stack[stack.length - 1].id;
      else delete params.parent;
      table.search("");
      table.ajax.reload();
    }

    element.addEventListener("click", (event) => {
      const link = event.target.closest("[data-ma-drill]");
      if (!link) return;
      event.preventDefault();
      stack.push({ id: link.dataset.maDrill, label: link.dataset.maDrillLabel || link.dataset.maDrill });
      show();
    });
    crumbs.addEventListener("click", (event) => {
      const link = event.target.closest("a");
      if (!link) return;
      event.preventDefault();
      if (link === top.querySelector("a")) stack.length = 0;
      else stack.length = Number(link.dataset.maDrillLevel) + 1;
      show();
    });
  }

  function initTables(root) {
    if (typeof DataTable === "undefined") return;
    DataTable.ext.errMode = "none";
    const language = datatablesLanguage();
    root.querySelectorAll("table[data-ma-table-url]").forEach((element) => {
      if (element.dataset.maReady) return;
      element.dataset.maReady = "1";
      const params = {};
      const columns = Array.from(element.querySelectorAll("thead th")).map((th) => ({
        data: th.dataset.maData,
        orderable: th.dataset.maOrderable === "true",
        searchable: th.dataset.maSearchable === "true",
        className: th.className,
      }));
      const table = new DataTable(element, {
        serverSide: true,
        processing: true,
        searchDelay: 400,
        ajax: { url: element.dataset.maTableUrl, data: (data) => Object.assign(data, params) },
        columns,
        order: [[Number(element.dataset.maOrderColumn), element.dataset.maOrderDir]],
        pageLength: Number(element.dataset.maPageLength),
        lengthMenu: [10, 25, 50, 100, 250, 500],
        language,
      });
      table.on("dt-error", () => {
        const alert = document.createElement("div");
        alert.innerHTML = template("ma-error-template");
        element.closest(".ma-table-wrapper").prepend(alert);
      });
      setupDrillDown(element, table, params);
      tables.set(element.id, { table, params });
    });
    initFilters(root);
  }

  // Buttons that filter a table by one parameter (e.g. the mail tab's labels):
  // <div data-ma-filter-table="TABLE ID" data-ma-filter-param="label"><button data-ma-filter-value="4">
  function initFilters(root) {
    root.querySelectorAll("[data-ma-filter-table]").forEach((group) => {
      if (group.dataset.maReady) return;
      group.dataset.maReady = "1";
      group.addEventListener("click", (event) => {
        const button = event.target.closest("[data-ma-filter-value]");
        const entry = tables.get(group.dataset.maFilterTable);
        if (!button || !entry) return;
        const name = group.dataset.maFilterParam;
        if (button.dataset.maFilterValue) entry.params[name] = button.dataset.maFilterValue;
        else delete entry.params[name];
        group.querySelectorAll("[data-ma-filter-value]").forEach((other) => {
          other.classList.toggle("active", other === button);
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
        entry.table.ajax.reload();
      });
    });
  }

  // --- plots ----------------------------------------------------------------------------

  // The same abbreviations as memberaudit.core.formatting.abbreviate, in the page's language
  // (formatting.js): 1.2b, 350m, 12.5k; German 1,2 Mrd., 350 Mio., 12,5 Tsd.
  const abbreviate = (value) => window.MemberAuditFormat.abbreviate(value);

  function applyAxisFormats(options, formats) {
    Object.entries(formats).forEach(([axis, format]) => {
      if (format !== "abbreviate") return;
      options.scales = options.scales || {};
      options.scales[axis] = options.scales[axis] || {};
      options.scales[axis].ticks = Object.assign({}, options.scales[axis].ticks, {
        callback: (value) => abbreviate(value),
      });
    });
  }

  function initCharts(root) {
    root.querySelectorAll("canvas[data-ma-chart-url]").forEach(async (canvas) => {
      if (canvas.dataset.maReady) return;
      canvas.dataset.maReady = "1";
      try {
        const config = await fetchJson(canvas.dataset.maChartUrl);
        if (typeof Chart === "undefined") return;
        const options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
        applyAxisFormats(options, config.ma_axis_format || {});
        new Chart(canvas, { type: config.type, data: config.data, options });
      } catch (error) {
        canvas.parentElement.innerHTML = template("ma-error-template");
      }
    });
  }

  // --- tabs -----------------------------------------------------------------------------

  // Scripts inserted with innerHTML do not run; a tab template's own script (rendered by our
  // server from our templates) is re-created so that it does.
  function runScripts(root) {
    root.querySelectorAll("script").forEach((old) => {
      const script = document.createElement("script");
      Array.from(old.attributes).forEach((attribute) => script.setAttribute(attribute.name, attribute.value));
      script.textContent = old.textContent;
      old.replaceWith(script);
    });
  }

  async function loadPane(pane) {
    const url = pane.dataset.maTabUrl;
    if (!url || pane.dataset.maLoaded) return;
    pane.dataset.maLoaded = "1";
    try {
      pane.innerHTML = await fetchText(url);
      runScripts(pane);
      initTables(pane);
      initCharts(pane);
    } catch (error) {
      delete pane.dataset.maLoaded;
      pane.innerHTML = template("ma-error-template");
    }
  }

  // Bootstrap's Tab marks a dropdown's menu as shown when one of its items is shown by code
  // (a reload or a deep link like #ma-tab-wallet_journal): close every menu of the tab row.
  function closeMenus(nav) {
    nav.querySelectorAll(".dropdown-menu.show").forEach((menu) => {
      const toggle = menu.parentElement.querySelector("[data-bs-toggle='dropdown']");
      if (toggle && window.bootstrap) window.bootstrap.Dropdown.getOrCreateInstance(toggle).hide();
      menu.classList.remove("show");
      if (toggle) toggle.setAttribute("aria-expanded", "false");
    });
  }

  function showTab(id) {
    const trigger = document.getElementById(`${id}-tab`);
    if (trigger && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(trigger).show();
  }

  function initTabs() {
    const nav = document.getElementById("ma-viewer-tabs");
    if (!nav) return;
    const select = document.getElementById("ma-tab-select");
    nav.addEventListener("shown.bs.tab", (event) => {
      const target = event.target.dataset.bsTarget;
      const pane = document.querySelector(target);
      if (pane) loadPane(pane);
      if (history.replaceState) history.replaceState(null, "", target);
      if (select) select.value = target.slice(1);
      closeMenus(nav);
    });
    if (select) select.addEventListener("change", () => showTab(select.value));
    const hash = window.location.hash;
    if (hash && /^#ma-tab-[\w-]+$/.test(hash)) showTab(hash.slice(1));
    closeMenus(nav);
    // switching to another character of the same member keeps the open tab
    document.querySelectorAll("[data-ma-switch-character]").forEach((link) => {
      link.addEventListener("click", () => {
        if (/^#ma-tab-[\w-]+$/.test(window.location.hash)) link.hash = window.location.hash;
      });
    });
  }

  // --- detail dialogs -------------------------------------------------------------------

  function initDetails() {
    const modalElement = document.getElementById("ma-detail-modal");
    if (!modalElement || !window.bootstrap) return;
    const modal = window.bootstrap.Modal.getOrCreateInstance(modalElement);
    const body = document.getElementById("ma-detail-modal-body");
    const title = document.getElementById("ma-detail-modal-title");
    const defaultTitle = title.textContent;
    document.addEventListener("click", async (event) => {
      const link = event.target.closest("[data-ma-detail]");
      if (!link) return;
      event.preventDefault();
      title.textContent = defaultTitle;
      body.innerHTML = template("ma-loading-template");
      modal.show();
      try {
        body.innerHTML = await fetchText(link.dataset.maDetail);
        const detail = body.querySelector("[data-ma-detail-title]");
        if (detail) title.textContent = detail.dataset.maDetailTitle;
      } catch (error) {
        body.innerHTML = template("ma-error-template");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    initTabs();
    initDetails();
  });
})();
