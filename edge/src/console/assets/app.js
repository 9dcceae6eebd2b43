// RestoBot staff console: plain JavaScript, no external resources (works offline on the LAN).
"use strict";

const T = {
  fr: {
    name: "Nom", password: "Mot de passe ou code", login: "Se connecter", logout: "Déconnexion",
    tab_board: "Commandes", tab_conversations: "Conversations", tab_menu: "Menu", tab_new_order: "Nouvelle commande",
    new: "Nouvelles", accepted: "Acceptées", preparing: "En préparation", ready: "Prêtes",
    out_for_delivery: "En livraison", done: "Terminées", delivered: "Livrée", cancelled: "Annulée", rejected: "Refusée",
    to_accepted: "Accepter", to_rejected: "Refuser", to_preparing: "Préparer", to_ready: "Prête",
    to_out_for_delivery: "En livraison", to_delivered: "Livrée", to_cancelled: "Annuler",
    cancel_reason: "Motif de l'annulation (envoyé au client) :", reject_reason: "Motif du refus (facultatif) :",
    eta: "Heure prévue", set_eta: "OK", eta_minutes: "min", late: "EN RETARD",
    connected: "Connecté", offline_since: "Hors ligne depuis", never_synced: "Jamais synchronisé",
    backlog: "En attente d'envoi", last_sync: "Dernière synchro", lag: "Délai relais",
    handoff_alert: "demande à parler à quelqu'un", open: "Ouvrir",
    take_over: "Prendre la main", hand_back: "Rendre au bot", send: "Envoyer", reply_placeholder: "Votre réponse…",
    bot_active: "Le bot répond", staff_active: "Un membre de l'équipe répond",
    media_unavailable: "média non disponible", voice_note: "note vocale",
    available: "Disponible", price: "Prix", save: "Enregistrer", add_item: "Ajouter un article", add: "Ajouter",
    name_fr: "Nom (français)", name_ar: "Nom (arabe)",
    source: "Origine", counter: "Comptoir", phone: "Téléphone", customer: "Client", phone_number: "Téléphone",
    fulfilment: "Mode", pickup: "À emporter", delivery: "Livraison", address: "Adresse", total: "Total",
    place_order: "Enregistrer la commande", order_placed: "Commande enregistrée :", saved: "Enregistré",
    wrong_login: "Nom ou mot de passe incorrect.", locked: "Trop d'essais : compte bloqué jusqu'à",
    no_conversation: "Choisissez une conversation.", empty: "—",
  },
  ar: {
    name: "الاسم", password: "كلمة السر أو الرمز", login: "دخول", logout: "خروج",
    tab_board: "الطلبيات", tab_conversations: "المحادثات", tab_menu: "القائمة", tab_new_order: "طلبية جديدة",
    new: "جديدة", accepted: "مقبولة", preparing: "قيد التحضير", ready: "واجدة",
    out_for_delivery: "في الطريق", done: "منتهية", delivered: "وصلت", cancelled: "ملغاة", rejected: "مرفوضة",
    to_accepted: "قبول", to_rejected: "رفض", to_preparing: "تحضير", to_ready: "واجدة",
    to_out_for_delivery: "في الطريق", to_delivered: "وصلت", to_cancelled: "إلغاء",
    cancel_reason: "سبب الإلغاء (يتبعث للزبون):", reject_reason: "سبب الرفض (اختياري):",
    eta: "الوقت المتوقع", set_eta: "حسنا", eta_minutes: "دقيقة", late: "متأخرة",
    connected: "متصل", offline_since: "غير متصل منذ", never_synced: "لم تتم المزامنة بعد",
    backlog: "في انتظار الإرسال", last_sync: "آخر مزامنة", lag: "تأخر المرحل",
    handoff_alert: "يطلب التحدث مع شخص", open: "فتح",
    take_over: "تولي المحادثة", hand_back: "إرجاع للبوت", send: "إرسال", reply_placeholder: "ردك…",
    bot_active: "البوت يرد", staff_active: "الفريق يرد",
    media_unavailable: "الوسائط غير متوفرة", voice_note: "رسالة صوتية",
    available: "متوفر", price: "السعر", save: "حفظ", add_item: "إضافة منتج", add: "إضافة",
    name_fr: "الاسم (فرنسية)", name_ar: "الاسم (عربية)",
    source: "المصدر", counter: "الكونتوار", phone: "الهاتف", customer: "الزبون", phone_number: "رقم الهاتف",
    fulfilment: "الطريقة", pickup: "يدّيها", delivery: "توصيل", address: "العنوان", total: "المجموع",
    place_order: "تسجيل الطلبية", order_placed: "تسجلت الطلبية:", saved: "تم الحفظ",
    wrong_login: "الاسم أو كلمة السر غالطين.", locked: "محاولات كثيرة: الحساب مقفول حتى",
    no_conversation: "اختار محادثة.", empty: "—",
  },
};
const COLUMNS = ["new", "accepted", "preparing", "ready", "out_for_delivery", "done"];

const S = { lang: localStorage.getItem("lang") || "fr", csrf: null, me: null, board: null, menu: null,
  conv: null, tab: "board", events: null };
const $ = (id) => document.getElementById(id);
const t = (k) => (T[S.lang] && T[S.lang][k]) || T.fr[k] || k;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k.nodeType ? k : String(k));
  return e;
}

function applyLang() {
  document.documentElement.lang = S.lang;
  document.documentElement.dir = S.lang === "ar" ? "rtl" : "ltr";
  $("lang-toggle").textContent = S.lang === "ar" ? "Français" : "العربية";
  for (const e of document.querySelectorAll("[data-i18n]")) {
    const first = e.firstChild;
    if (first && first.nodeType === Node.TEXT_NODE && e.children.length) first.nodeValue = t(e.dataset.i18n) + " ";
    else e.textContent = t(e.dataset.i18n);
  }
  for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
  renderAll();
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && S.csrf) headers["X-CSRF-Token"] = S.csrf;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin" });
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (r.status === 401 && path !== "/api/login") { showLogin(); }
  return { status: r.status, data };
}

function flash(msg, bad) {
  const f = $("flash");
  f.textContent = msg;
  f.className = "flash" + (bad ? " bad" : "");
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => f.classList.add("hidden"), 6000);
}

function failed(r) {
  flash((r.data && r.data.error) || ("HTTP " + r.status), true);
}

// ---- login -------------------------------------------------------------------------------
function showLogin() {
  if (S.events) { S.events.close(); S.events = null; }
  S.me = null; S.csrf = null;
  $("app-view").classList.add("hidden");
  $("login-view").classList.remove("hidden");
  $("logout").classList.add("hidden");
  $("who").textContent = "";
}

function showApp(me) {
  S.me = me; S.csrf = me.csrf;
  $("login-view").classList.add("hidden");
  $("app-view").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  $("who").textContent = me.name + " (" + me.role + ")";
  startEvents();
  loadMenu();
  switchTab(S.tab);
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const r = await api("POST", "/api/login", { name: $("login-name").value, password: $("login-password").value });
  $("login-password").value = "";
  if (r.status === 200) { $("login-error").textContent = ""; showApp(r.data); }
  else if (r.status === 429) $("login-error").textContent = t("locked") + " " + new Date(r.data.locked_until).toLocaleTimeString();
  else $("login-error").textContent = t("wrong_login");
});

$("logout").addEventListener("click", async () => { await api("POST", "/api/logout", {}); showLogin(); });
$("lang-toggle").addEventListener("click", () => {
  S.lang = S.lang === "fr" ? "ar" : "fr";
  localStorage.setItem("lang", S.lang);
  applyLang();
});

// ---- tabs --------------------------------------------------------------------------------
function switchTab(name) {
  S.tab = name;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".tabpane")) p.classList.toggle("hidden", p.id !== "tab-" + name);
  if (name === "conversations") loadConversations();
  if (name === "menu" || name === "new-order") loadMenu();
}
for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => switchTab(b.dataset.tab));

// ---- live board --------------------------------------------------------------------------
function startEvents() {
  if (S.events) S.events.close();
  const es = new EventSource("/api/events");
  es.addEventListener("board", (e) => {
    S.board = JSON.parse(e.data);
    renderBoard(); renderStatus(); renderAlerts();
    if (S.tab === "conversations") loadConversations();
  });
  es.onerror = () => { $("conn").classList.add("stale"); };
  es.onopen = () => { $("conn").classList.remove("stale"); };
  S.events = es;
}

function ago(ts) {
  if (!ts) return t("empty");
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.round(s / 60) + " min";
  return new Date(ts).toLocaleString();
}

function renderStatus() {
  if (!S.board) return;
  const st = S.board.status;
  const conn = $("conn");
  conn.className = "conn " + (st.connected ? "ok" : "bad");
  conn.textContent = st.connected ? t("connected") : st.offline_since ? t("offline_since") + " " + ago(st.offline_since) : t("never_synced");
  $("backlog").textContent = t("backlog") + " : " + st.outbox_backlog;
  $("lastsync").textContent = t("last_sync") + " : " + ago(st.last_sync_at);
  $("lag").textContent = t("lag") + " : " + (st.relay_lag_ms === null ? t("empty") : (st.relay_lag_ms / 1000).toFixed(1) + " s");
  const u = S.board.unread, badge = $("unread-badge");
  badge.textContent = u; badge.classList.toggle("hidden", !u);
}

function renderAlerts() {
  const box = $("alerts");
  box.replaceChildren();
  const alerts = (S.board && S.board.handoff_alerts) || [];
  box.classList.toggle("hidden", !alerts.length);
  for (const a of alerts) {
    box.append(el("div", { class: "alert handoff-alert" }, "⚑ ", el("strong", {}, a.name), " ", t("handoff_alert"), " ",
      el("button", { type: "button", onclick: () => { switchTab("conversations"); openConversation(a.customer_id); } }, t("open"))));
  }
}

async function move(o, to) {
  let reason = null;
  if (to === "cancelled") { reason = prompt(t("cancel_reason")); if (!reason) return; }
  if (to === "rejected") { reason = prompt(t("reject_reason")) || null; }
  const r = await api("POST", "/api/orders/" + o.id + "/status", { to, reason });
  if (r.status !== 200) failed(r);
}

async function setEta(o, input) {
  const minutes = parseInt(input.value, 10);
  const r = await api("POST", "/api/orders/" + o.id + "/eta", { minutes });
  if (r.status !== 200) failed(r); else flash(t("saved"));
}

function orderCard(o) {
  const eta = el("input", { type: "number", min: "1", max: "600", class: "eta-input", "aria-label": t("eta_minutes") });
  const finished = ["delivered", "cancelled", "rejected"].includes(o.status);
  return el("article", { class: "card" + (o.late ? " late" : ""), "data-order": o.number, "data-status": o.status },
    el("header", {}, el("strong", { class: "number" }, o.number), " ",
      el("span", { class: "src src-" + o.source }, o.source), o.late ? el("span", { class: "late-tag" }, t("late")) : null),
    el("div", { class: "cust" }, o.customer, " · ", t(o.fulfilment)),
    o.address ? el("div", { class: "muted" }, o.address) : null,
    el("ul", { class: "items" }, o.items.map((i) => el("li", {}, i))),
    el("div", {}, el("strong", {}, o.total + " DA"), " · ", o.payment_method.toUpperCase()),
    finished ? el("div", { class: "muted" }, t(o.status), o.cancel_reason ? " — " + o.cancel_reason : "")
      : el("div", { class: "eta" }, t("eta") + " : ", el("strong", {}, o.eta_local || t("empty")), " ", eta, " ", t("eta_minutes"),
        el("button", { type: "button", class: "small", onclick: () => setEta(o, eta) }, t("set_eta"))),
    el("div", { class: "actions" }, o.next.map((to) =>
      el("button", { type: "button", class: "act act-" + to, "data-to": to, onclick: () => move(o, to) }, t("to_" + to)))));
}

function renderBoard() {
  const b = $("board");
  if (!S.board) return;
  b.replaceChildren();
  for (const col of COLUMNS) {
    const orders = S.board.orders.filter((o) => col === "done" ? ["delivered", "cancelled", "rejected"].includes(o.status) : o.status === col);
    b.append(el("section", { class: "col", "data-col": col },
      el("h2", {}, t(col), " ", el("span", { class: "count" }, orders.length)), orders.map(orderCard)));
  }
}

// ---- conversations -----------------------------------------------------------------------
async function loadConversations() {
  const r = await api("GET", "/api/conversations");
  if (r.status !== 200) return;
  const ul = $("conv-list");
  ul.replaceChildren();
  for (const c of r.data.conversations) {
    ul.append(el("li", { class: "conv" + (c.handoff_requested ? " wants-human" : "") + (S.conv === c.customer_id ? " active" : ""),
      "data-customer": c.customer_id, onclick: () => openConversation(c.customer_id) },
      el("div", {}, el("strong", {}, c.name), " ", el("span", { class: "muted" }, c.provider),
        c.unread ? el("span", { class: "badge unread" }, c.unread) : null, c.handoff_requested ? " ⚑" : null),
      el("div", { class: "muted ellipsis" }, c.last_message || "")));
  }
  if (S.conv !== null) refreshConversation();
}

async function openConversation(id) {
  S.conv = id;
  await refreshConversation();
  const r = await api("POST", "/api/conversations/" + id + "/read", {});
  if (r.status === 200) loadConversations();
}

function mediaView(m) {
  if (m.url && m.kind === "image") return el("img", { src: m.url, alt: m.kind, class: "media" });
  if (m.url && m.kind === "audio") return el("audio", { src: m.url, controls: true });
  if (m.url) return el("a", { href: m.url, target: "_blank", rel: "noopener" }, "[" + m.kind + "]");
  return el("span", { class: "placeholder" }, "[" + (m.voice ? t("voice_note") : m.kind) + " — " + t("media_unavailable") + "]");
}

async function refreshConversation() {
  const id = S.conv;
  const r = await api("GET", "/api/conversations/" + id);
  if (r.status !== 200 || S.conv !== id) return;
  const c = r.data.conversation;
  $("conv-name").textContent = c.name;
  $("conv-state").textContent = c.bot_paused ? t("staff_active") : t("bot_active");
  $("take-over").classList.toggle("hidden", c.bot_paused);
  $("hand-back").classList.toggle("hidden", !c.bot_paused);
  $("reply-form").classList.toggle("hidden", !c.bot_paused);
  const tr = $("transcript");
  const atBottom = tr.scrollTop + tr.clientHeight >= tr.scrollHeight - 20;
  tr.replaceChildren();
  for (const m of r.data.transcript) {
    const body = m.body ? el("div", { class: "body" }, m.body)
      : m.media.length ? null : el("span", { class: "placeholder" }, "[" + m.kind + "]");
    tr.append(el("div", { class: "msg " + m.direction + " by-" + m.author.split(":")[0] },
      el("div", { class: "meta" }, m.author, " · ", new Date(m.at).toLocaleTimeString()), body, m.media.map(mediaView)));
  }
  if (atBottom) tr.scrollTop = tr.scrollHeight;
}

$("take-over").addEventListener("click", async () => {
  const r = await api("POST", "/api/conversations/" + S.conv + "/take-over", {});
  if (r.status !== 200) failed(r); else loadConversations();
});
$("hand-back").addEventListener("click", async () => {
  const r = await api("POST", "/api/conversations/" + S.conv + "/hand-back", {});
  if (r.status !== 200) failed(r); else loadConversations();
});
$("reply-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text) return;
  const r = await api("POST", "/api/conversations/" + S.conv + "/reply", { text });
  if (r.status !== 200) failed(r); else { $("reply-text").value = ""; refreshConversation(); }
});

// ---- menu --------------------------------------------------------------------------------
async function loadMenu() {
  const r = await api("GET", "/api/menu");
  if (r.status !== 200) return;
  S.menu = r.data;
  renderMenu(); renderOrderForm();
}

function renderMenu() {
  const box = $("menu");
  if (!S.menu || !S.menu.menu) { box.replaceChildren(); return; }
  const edit = S.menu.can_edit;
  box.replaceChildren();
  $("add-item").classList.toggle("hidden", !edit);
  $("new-cat").replaceChildren(...S.menu.menu.categories.map((c) => el("option", { value: c.id }, c.name[S.lang])));
  for (const cat of S.menu.menu.categories) {
    box.append(el("h3", {}, cat.name[S.lang]));
    for (const it of cat.items) {
      const toggle = el("input", { type: "checkbox", class: "avail", "data-sku": it.sku, checked: it.available,
        onchange: async () => {
          const r = await api("POST", "/api/menu/items/" + encodeURIComponent(it.sku) + "/availability", { available: toggle.checked });
          if (r.status !== 200) { failed(r); toggle.checked = !toggle.checked; } else it.available = toggle.checked;
        } });
      const row = el("div", { class: "menu-row" + (it.available ? "" : " off"), "data-sku": it.sku },
        el("label", { class: "switch" }, toggle, " ", t("available")),
        el("span", { class: "iname" }, it.name[S.lang]), el("span", { class: "muted" }, it.sku));
      if (edit) {
        const price = el("input", { type: "number", min: "0", value: it.price, class: "price-input" });
        const fr = el("input", { value: it.name.fr, class: "name-input" });
        const ar = el("input", { value: it.name.ar, dir: "rtl", class: "name-input" });
        row.append(fr, ar, price, " DA", el("button", { type: "button", class: "small", onclick: async () => {
          const r = await api("POST", "/api/menu/items/" + encodeURIComponent(it.sku),
            { price: parseInt(price.value, 10), name_fr: fr.value, name_ar: ar.value });
          if (r.status !== 200) failed(r); else { flash(t("saved")); loadMenu(); }
        } }, t("save")));
      } else {
        row.append(el("span", { class: "price" }, it.price + " DA"));
      }
      box.append(row);
    }
  }
}

$("add-item").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const r = await api("POST", "/api/menu/items", { category_id: $("new-cat").value, sku: $("new-sku").value.trim(),
    name_fr: $("new-fr").value, name_ar: $("new-ar").value, price: parseInt($("new-price").value, 10) });
  if (r.status !== 201) failed(r); else { ev.target.reset(); flash(t("saved")); loadMenu(); }
});

// ---- counter / phone orders --------------------------------------------------------------
function renderOrderForm() {
  const box = $("order-items");
  if (!S.menu || !S.menu.menu) return;
  const keep = {};
  for (const i of box.querySelectorAll("input")) keep[i.dataset.sku] = i.value;
  box.replaceChildren();
  for (const cat of S.menu.menu.categories) for (const it of cat.items) {
    if (!it.available) continue;
    box.append(el("label", { class: "qty-row" }, el("span", {}, it.name[S.lang] + " — " + it.price + " DA"),
      el("input", { type: "number", min: "0", max: "50", value: keep[it.sku] || "0", "data-sku": it.sku,
        "data-price": it.price, class: "qty", oninput: orderTotal })));
  }
  orderTotal();
}

function orderTotal() {
  let total = 0;
  for (const i of $("order-items").querySelectorAll("input")) total += (parseInt(i.value, 10) || 0) * parseInt(i.dataset.price, 10);
  $("order-total").textContent = total;
}

$("order-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const lines = [];
  for (const i of $("order-items").querySelectorAll("input")) {
    const qty = parseInt(i.value, 10) || 0;
    if (qty > 0) lines.push({ sku: i.dataset.sku, qty });
  }
  const r = await api("POST", "/api/orders", { source: $("order-source").value, customer_name: $("order-name").value,
    phone: $("order-phone").value, fulfilment: $("order-fulfilment").value, address: $("order-address").value, lines });
  if (r.status !== 201) { failed(r); return; }
  flash(t("order_placed") + " " + r.data.number);
  ev.target.reset();
  renderOrderForm();
  switchTab("board");
});

function renderAll() { renderBoard(); renderStatus(); renderAlerts(); renderMenu(); renderOrderForm(); }

// "2 min ago" in the status bar moves with the clock even when nothing else changes.
setInterval(() => { if (S.board) renderStatus(); }, 5000);

(async function start() {
  applyLang();
  const r = await api("GET", "/api/me");
  if (r.status === 200) showApp(r.data); else showLogin();
})();
