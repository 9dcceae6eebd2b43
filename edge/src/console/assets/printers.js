// Kitchen printers (issue 17): the board's "printer offline — N tickets waiting" banner with
// its retry button (every staff member), the order card's reprint button, and the owner's
// printer settings (list with state, add/edit form, remove, test page). Loaded after app.js
// and uses its helpers ($, el, t, api, flash, state, PAGES); the server checks every role again.
"use strict";

Object.assign(T.fr, {
  tab_printers: "Imprimantes", pr_offline: "Imprimante {name} hors ligne — {n} en attente",
  pr_tickets_1: "ticket", pr_tickets_n: "tickets", pr_retry: "Réessayer", pr_retrying: "Nouvel essai en cours…",
  pr_reprint: "Réimprimer", pr_reprinted: "Ticket renvoyé en cuisine",
  pr_title: "Imprimantes", pr_none: "Aucune imprimante : ajoutez celle de la cuisine ci-dessous.",
  pr_new: "Nouvelle imprimante", pr_editing: "Modifier l'imprimante", pr_name: "Nom (ex. cuisine, grill)",
  pr_connection: "Branchement", pr_network: "Réseau (adresse IP)", pr_usb: "USB",
  pr_address: "Adresse IP (port 9100 par défaut)", pr_device: "Périphérique USB", pr_width: "Largeur du papier",
  pr_lang: "Langue des tickets", pr_lang_default: "Langue du restaurant", pr_lang_fr: "Français", pr_lang_ar: "Arabe",
  pr_categories: "Catégories imprimées (aucune cochée : tout le menu)", pr_all: "tout le menu",
  pr_copies: "Exemplaires", pr_cancel: "Annuler", pr_edit: "Modifier", pr_remove: "Supprimer",
  pr_confirm_remove: "Confirmer la suppression", pr_removed: "Imprimante {name} supprimée ({n} ticket(s) en attente abandonné(s))",
  pr_test: "Page de test", pr_test_sent: "Page de test envoyée à", pr_saved: "Imprimante enregistrée",
  pr_ok: "Prête", pr_waiting: "{n} en attente", pr_down: "Hors ligne", pr_last: "Dernier ticket",
  pr_copies_n: "exemplaire(s)",
});
Object.assign(T.ar, {
  tab_printers: "الطابعات", pr_offline: "الطابعة {name} غير متصلة — {n} في الانتظار",
  pr_tickets_1: "تذكرة", pr_tickets_n: "تذاكر", pr_retry: "إعادة المحاولة", pr_retrying: "محاولة جديدة جارية…",
  pr_reprint: "إعادة الطباعة", pr_reprinted: "أُعيد إرسال التذكرة إلى المطبخ",
  pr_title: "الطابعات", pr_none: "لا توجد طابعة: أضف طابعة المطبخ أدناه.",
  pr_new: "طابعة جديدة", pr_editing: "تعديل الطابعة", pr_name: "الاسم (مثلا: المطبخ، الشواء)",
  pr_connection: "التوصيل", pr_network: "شبكة (عنوان IP)", pr_usb: "USB",
  pr_address: "عنوان IP (المنفذ 9100 افتراضيا)", pr_device: "جهاز USB", pr_width: "عرض الورق",
  pr_lang: "لغة التذاكر", pr_lang_default: "لغة المطعم", pr_lang_fr: "الفرنسية", pr_lang_ar: "العربية",
  pr_categories: "الأصناف المطبوعة (بدون اختيار: كل القائمة)", pr_all: "كل القائمة",
  pr_copies: "عدد النسخ", pr_cancel: "إلغاء", pr_edit: "تعديل", pr_remove: "حذف",
  pr_confirm_remove: "تأكيد الحذف", pr_removed: "حُذفت الطابعة {name} (أُلغيت {n} تذكرة في الانتظار)",
  pr_test: "صفحة تجربة", pr_test_sent: "أُرسلت صفحة التجربة إلى", pr_saved: "تم حفظ الطابعة",
  pr_ok: "جاهزة", pr_waiting: "{n} في الانتظار", pr_down: "غير متصلة", pr_last: "آخر تذكرة",
  pr_copies_n: "نسخة",
});

const printers = { data: null, shown: "", editing: null };

function ticketCount(n) {
  return n + " " + t(n === 1 ? "pr_tickets_1" : "pr_tickets_n");
}

// ---- board: the offline banner and the card's reprint button ---------------------------------
// Called by renderAlerts (app.js) on every board update: the banner goes once the queue is empty.
function printerAlerts() {
  const down = (state.board && state.board.printers_offline) || [];
  return down.map((p) => el("div", { class: "alert printer-offline", "data-printer": p.name, "data-waiting": p.waiting },
    "🖨 " + t("pr_offline").replace("{name}", p.name).replace("{n}", ticketCount(p.waiting)) + " ",
    el("button", { type: "button", "data-printer-retry": p.name, onclick: retryPrinting }, t("pr_retry")),
    el("div", { class: "muted small-text", dir: "ltr" }, p.error)));
}

async function retryPrinting() {
  const r = await api("POST", "/api/printers/retry", {});
  if (r.ok) flash(t("pr_retrying"), true);
}

function reprintButton(o) {
  return el("div", { class: "actions" },
    el("button", { type: "button", class: "secondary", "data-reprint": o.id, onclick: async () => {
      const r = await api("POST", "/api/orders/" + o.id + "/reprint", {});
      if (r.ok) flash(t("pr_reprinted") + " (#" + o.number + ")", true);
    } }, "🖨 " + t("pr_reprint")));
}

// ---- owner settings -------------------------------------------------------------------------
function categoryName(id) {
  const c = ((printers.data && printers.data.categories) || []).find((x) => x.id === id);
  return c ? (state.lang === "ar" ? c.name_ar : c.name_fr) : id;
}

function printerState(p) {
  if (p.waiting > 0 && p.last_error) return el("span", { class: "tag bad", "data-state": "offline" }, t("pr_down") + " · " + ticketCount(p.waiting));
  if (p.waiting > 0) return el("span", { class: "tag", "data-state": "waiting" }, t("pr_waiting").replace("{n}", ticketCount(p.waiting)));
  return el("span", { class: "tag ok", "data-state": "ok" }, t("pr_ok"));
}

function printerRow(p) {
  const canEdit = printers.data.can_edit;
  const remove = el("button", { type: "button", class: "danger", "data-printer-remove": p.name, onclick: async () => {
    // A second tap confirms: the printer's waiting tickets go with it.
    if (!remove.dataset.armed) { remove.dataset.armed = "1"; remove.textContent = t("pr_confirm_remove"); return; }
    const r = await api("DELETE", "/api/printers/" + encodeURIComponent(p.name));
    if (r.ok) {
      flash(t("pr_removed").replace("{name}", p.name).replace("{n}", r.data.dropped), true);
      if (printers.editing === p.name) resetPrinterForm();
      loadPrinters(true);
    }
  } }, t("pr_remove"));
  return el("li", { "data-printer-row": p.name },
    el("strong", {}, p.name),
    el("span", { dir: "ltr" }, p.address || p.device),
    el("span", { class: "muted" }, p.width_mm + " mm · " + t("pr_lang_" + p.lang) + " · " + p.copies + " " + t("pr_copies_n")),
    el("span", { class: "muted" }, p.categories.length ? p.categories.map(categoryName).join(", ") : t("pr_all")),
    printerState(p),
    p.last_printed_at ? el("span", { class: "muted" }, t("pr_last") + " " + localTime(p.last_printed_at)) : null,
    p.waiting > 0 && p.last_error ? el("span", { class: "error small-text", dir: "ltr" }, p.last_error) : null,
    canEdit ? el("span", { class: "actions" },
      el("button", { type: "button", class: "secondary", "data-printer-test": p.name, onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await api("POST", "/api/printers/" + encodeURIComponent(p.name) + "/test", {});
          if (r.ok) flash(t("pr_test_sent") + " " + r.data.target, true);
        } finally { ev.target.disabled = false; }
      } }, t("pr_test")),
      el("button", { type: "button", class: "secondary", "data-printer-edit": p.name, onclick: () => editPrinter(p) }, t("pr_edit")),
      remove) : null);
}

function renderCategories(checked) {
  const cats = (printers.data && printers.data.categories) || [];
  $("printer-cats").replaceChildren(...cats.map((c) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: c.id, "data-category": c.id, checked: checked.includes(c.id) }),
    state.lang === "ar" ? c.name_ar : c.name_fr)));
}

function checkedCategories() {
  return [...$("printer-cats").querySelectorAll("input:checked")].map((i) => i.value);
}

function showConnection() {
  const usb = $("printer-kind").value === "usb";
  $("printer-address-row").classList.toggle("hidden", usb);
  $("printer-device-row").classList.toggle("hidden", !usb);
}

function editPrinter(p) {
  printers.editing = p.name;
  $("printer-form-title").textContent = t("pr_editing") + " " + p.name;
  $("printer-name").value = p.name;
  // The name is the printer's key: changing it would add a second printer.
  $("printer-name").readOnly = true;
  $("printer-kind").value = p.device ? "usb" : "network";
  $("printer-address").value = p.address || "";
  $("printer-device").value = p.device || "";
  $("printer-width").value = String(p.width_mm);
  $("printer-lang").value = p.lang;
  $("printer-copies").value = String(p.copies);
  renderCategories(p.categories);
  $("printer-problems").replaceChildren();
  $("printer-cancel").classList.remove("hidden");
  showConnection();
  $("printer-form").scrollIntoView({ block: "nearest" });
}

function resetPrinterForm() {
  printers.editing = null;
  $("printer-form").reset();
  $("printer-form-title").textContent = t("pr_new");
  $("printer-name").readOnly = false;
  $("printer-problems").replaceChildren();
  $("printer-cancel").classList.add("hidden");
  renderCategories([]);
  showConnection();
}

async function savePrinter(ev) {
  ev.preventDefault();
  const usb = $("printer-kind").value === "usb";
  const r = await api("POST", "/api/printers", {
    name: $("printer-name").value.trim(),
    address: usb ? null : $("printer-address").value.trim(),
    device: usb ? $("printer-device").value.trim() : null,
    width_mm: parseInt($("printer-width").value, 10),
    lang: $("printer-lang").value || null,
    categories: checkedCategories(),
    copies: parseInt($("printer-copies").value, 10) || 1,
  });
  if (r.status === 422 && r.data && r.data.problems) {
    $("printer-problems").replaceChildren(...r.data.problems.map((p) => el("li", { dir: "ltr" }, p)));
    return;
  }
  if (r.ok) { flash(t("pr_saved"), true); resetPrinterForm(); loadPrinters(true); }
}

// `force`: after the owner's own change; otherwise the list is only redrawn when it changed.
async function loadPrinters(force) {
  const r = await api("GET", "/api/printers");
  if (!r.ok) return;
  const text = JSON.stringify(r.data);
  if (!force && text === printers.shown) return;
  const first = !printers.data;
  printers.data = r.data; printers.shown = text;
  $("printer-list").replaceChildren(...(r.data.printers.length === 0
    ? [el("li", { class: "muted" }, t("pr_none"))] : r.data.printers.map(printerRow)));
  $("printer-form-section").classList.toggle("hidden", !r.data.can_edit);
  // The form keeps what the owner ticked; labels follow the language.
  if (first || force) {
    renderCategories(checkedCategories());
    $("printer-form-title").textContent = printers.editing ? t("pr_editing") + " " + printers.editing : t("pr_new");
  }
}

PAGES.printers = { load: () => loadPrinters(true), live: () => loadPrinters(false) };

document.addEventListener("DOMContentLoaded", () => {
  $("printer-form").addEventListener("submit", savePrinter);
  $("printer-kind").addEventListener("change", showConnection);
  $("printer-cancel").addEventListener("click", resetPrinterForm);
});
