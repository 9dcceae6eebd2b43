// RestoBot staff console. Plain JS, no library: it is served by the edge and must work with
// the internet down. Every change sends the session's CSRF token in X-CSRF-Token; the server
// checks roles on each endpoint, hidden buttons are only a convenience.
"use strict";

const T = {
  fr: {
    logout: "Déconnexion", name: "Nom", password: "Mot de passe ou code", login: "Se connecter",
    tab_board: "Commandes", tab_conversations: "Conversations", tab_menu: "Menu", tab_new_order: "Nouvelle commande",
    take_over: "Prendre la main", hand_back: "Rendre au bot", send: "Envoyer", reply_placeholder: "Votre réponse…",
    add_item: "Ajouter un article", name_fr: "Nom (FR)", name_ar: "Nom (AR)", price: "Prix (DA)", add: "Ajouter",
    source: "Origine", counter: "Comptoir", phone: "Téléphone", customer: "Client", phone_number: "Téléphone",
    fulfilment: "Mode", pickup: "À emporter", delivery: "Livraison", address: "Adresse", kitchen_note: "Note pour la cuisine", total: "Total",
    place_order: "Enregistrer la commande",
    connected: "Connecté", offline_since: "Hors ligne depuis", never_synced: "Jamais synchronisé",
    backlog: "En attente d'envoi", last_sync: "Dernière synchro", lag: "Retard relais",
    st_new: "Nouvelles", st_accepted: "Acceptées", st_preparing: "En préparation", st_ready: "Prêtes",
    st_out_for_delivery: "En livraison", st_done: "Terminées",
    to_accepted: "Accepter", to_rejected: "Refuser", to_preparing: "Préparer", to_ready: "Prête",
    to_out_for_delivery: "En livraison", to_delivered: "Livrée", to_cancelled: "Annuler",
    lbl_delivered: "Livrée", lbl_cancelled: "Annulée", lbl_rejected: "Refusée",
    late: "EN RETARD", eta: "Heure prévue", set_eta: "ETA (min)", ok: "OK", reason: "Motif",
    reason_needed: "Indiquez un motif", confirm: "Confirmer",
    handoff_alert: "demande à parler à quelqu'un", open: "Ouvrir",
    bot_paused: "Bot en pause (vous avez la main)", bot_active: "Bot actif", wants_human: "Veut un humain",
    available: "Disponible", unavailable: "Indisponible", save: "Enregistrer",
    saved: "Enregistré", order_saved: "Commande enregistrée", media_missing: "non disponible", msg_edited: "modifié par le client", undelivered: "Non remis au client", undelivered_window: "Non remis : plus de 24 h depuis le dernier message du client, WhatsApp refuse un message libre. Appelez le client, ou demandez à l'opérateur un modèle de message (resto-relay route template).", msg_deleted: "message retiré par le client", media_fetching: "en cours de téléchargement…",
    image: "Image", audio: "Message vocal", video: "Vidéo", document: "Document", sticker: "Autocollant",
    location: "Position", you: "Vous", bot: "Bot", restaurant: "Restaurant", pick_conv: "Choisissez une conversation",
    wrong_login: "Nom ou mot de passe incorrect", locked: "Trop d'essais : compte bloqué jusqu'à",
    session_over: "Session terminée, reconnectez-vous",
    soon: "BIENTÔT EN RETARD", address_unclear: "Adresse pas claire", courier_delayed: "Livreur en retard (+15 min)",
    cash_refused: "Refusée à la porte", refunds: "Remboursements à faire", refund_done: "Remboursé",
    customer_told: "Client prévenu", pay_paid: "Payée en ligne", pay_awaiting_online: "Paiement en ligne en attente",
    pay_failed: "Paiement en ligne échoué", pay_collected: "Espèces encaissées", pay_refused: "Refusée à la porte",
    trust_phone_confirm: "📞 Appeler le client avant de préparer", trust_prepay: "Paiement en ligne demandé",
    no_shows: "commandes non récupérées ou refusées", quarantined_tag: "Quarantaine", opted_out_tag: "STOP : réponses et commandes seulement",
    next_try: "nouvel essai à",
    away_told: "Pendant la coupure, {n} client(s) ont reçu « message enregistré, réponse au retour du restaurant » : répondez-leur en priorité.",
  },
  ar: {
    logout: "خروج", name: "الاسم", password: "كلمة السر أو الرمز", login: "دخول",
    tab_board: "الطلبات", tab_conversations: "المحادثات", tab_menu: "القائمة", tab_new_order: "طلب جديد",
    take_over: "التكفل بالمحادثة", hand_back: "إرجاع للبوت", send: "إرسال", reply_placeholder: "ردك…",
    add_item: "إضافة صنف", name_fr: "الاسم (فرنسية)", name_ar: "الاسم (عربية)", price: "السعر (دج)", add: "إضافة",
    source: "المصدر", counter: "الكونتوار", phone: "الهاتف", customer: "الزبون", phone_number: "رقم الهاتف",
    fulfilment: "الطريقة", pickup: "استلام", delivery: "توصيل", address: "العنوان", kitchen_note: "ملاحظة للمطبخ", total: "المجموع",
    place_order: "تسجيل الطلب",
    connected: "متصل", offline_since: "غير متصل منذ", never_synced: "لم تتم المزامنة بعد",
    backlog: "في انتظار الإرسال", last_sync: "آخر مزامنة", lag: "تأخر المرحّل",
    st_new: "جديدة", st_accepted: "مقبولة", st_preparing: "قيد التحضير", st_ready: "جاهزة",
    st_out_for_delivery: "في الطريق", st_done: "منتهية",
    to_accepted: "قبول", to_rejected: "رفض", to_preparing: "تحضير", to_ready: "جاهزة",
    to_out_for_delivery: "في الطريق", to_delivered: "تم التوصيل", to_cancelled: "إلغاء",
    lbl_delivered: "تم التوصيل", lbl_cancelled: "ملغاة", lbl_rejected: "مرفوضة",
    late: "متأخرة", eta: "الوقت المتوقع", set_eta: "الوقت (دقيقة)", ok: "موافق", reason: "السبب",
    reason_needed: "اكتب السبب", confirm: "تأكيد",
    handoff_alert: "يطلب التحدث مع شخص", open: "فتح",
    bot_paused: "البوت متوقف (أنت تتكفل)", bot_active: "البوت يعمل", wants_human: "يريد شخصا",
    available: "متوفر", unavailable: "غير متوفر", save: "حفظ",
    saved: "تم الحفظ", order_saved: "تم تسجيل الطلب", media_missing: "غير متاح", msg_edited: "عدّله الزبون", undelivered: "لم تصل إلى الزبون", undelivered_window: "لم تصل: مرّت أكثر من 24 ساعة على آخر رسالة من الزبون، وواتساب يرفض الرسائل الحرة. اتصل بالزبون أو اطلب من المشغّل نموذج رسالة (resto-relay route template).", msg_deleted: "رسالة حذفها الزبون", media_fetching: "جاري التحميل…",
    image: "صورة", audio: "رسالة صوتية", video: "فيديو", document: "ملف", sticker: "ملصق",
    location: "موقع", you: "أنت", bot: "البوت", restaurant: "المطعم", pick_conv: "اختر محادثة",
    wrong_login: "الاسم أو كلمة السر خاطئة", locked: "محاولات كثيرة: الحساب مقفل حتى",
    session_over: "انتهت الجلسة، أعد الدخول",
    soon: "قريبا متأخرة", address_unclear: "العنوان غير واضح", courier_delayed: "الموصّل متأخر (+15 د)",
    cash_refused: "رفضها عند الباب", refunds: "مبالغ يجب إرجاعها", refund_done: "تم الإرجاع",
    customer_told: "تم إعلام الزبون", pay_paid: "مدفوعة إلكترونيا", pay_awaiting_online: "في انتظار الدفع الإلكتروني",
    pay_failed: "فشل الدفع الإلكتروني", pay_collected: "تم قبض النقود", pay_refused: "رفضها عند الباب",
    trust_phone_confirm: "📞 اتصل بالزبون قبل التحضير", trust_prepay: "طُلب الدفع الإلكتروني",
    no_shows: "طلبات لم تُستلم أو رُفضت", quarantined_tag: "حجر", opted_out_tag: "STOP: الردود والطلبات فقط",
    next_try: "محاولة جديدة على",
    away_told: "أثناء الانقطاع، تلقى {n} زبون(ة) رسالة «رسالتك محفوظة وسنرد عند عودة المطعم»: ردوا عليهم أولا.",
  },
};

const SOURCES = { wa: "WhatsApp", ig: "Instagram", msg: "Messenger" };
const COLUMNS = ["new", "accepted", "preparing", "ready", "out_for_delivery", "done"];
const state = {
  lang: localStorage.getItem("lang") === "ar" ? "ar" : "fr",
  csrf: null, me: null, board: null, menu: null, canEdit: false,
  conv: null, tab: "board", events: null,
};

const $ = (id) => document.getElementById(id);
// Pages added by other scripts (growth.js): name -> { load() }, called when their tab opens
// and when the language changes.
const PAGES = {};
const t = (k) => T[state.lang][k] || T.fr[k] || k;

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

function localTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  // Latin digits and a 24-hour clock in both languages, as Algerian restaurants write times.
  return isNaN(d) ? iso : d.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
}

function flash(msg, good) {
  const f = $("flash");
  f.textContent = msg;
  f.classList.toggle("good", !!good);
  f.classList.remove("hidden");
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => f.classList.add("hidden"), 5000);
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.csrf) headers["X-CSRF-Token"] = state.csrf;
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (r.status === 401 && path !== "/api/login") { showLogin(t("session_over")); }
  if (!r.ok && path !== "/api/login") flash((data && data.error) || r.status + "");
  return { status: r.status, ok: r.ok, data };
}

// ---- language -------------------------------------------------------------------------------
function applyLang() {
  const html = document.documentElement;
  html.lang = state.lang;
  html.dir = state.lang === "ar" ? "rtl" : "ltr";
  $("lang-toggle").textContent = state.lang === "ar" ? "Français" : "العربية";
  for (const n of document.querySelectorAll("[data-i18n]")) {
    const badge = n.querySelector(".badge");
    n.textContent = t(n.dataset.i18n) + (badge ? " " : "");
    if (badge) n.append(badge);
  }
  for (const n of document.querySelectorAll("[data-i18n-placeholder]")) n.placeholder = t(n.dataset.i18nPlaceholder);
  renderAll();
}

// ---- session --------------------------------------------------------------------------------
function showLogin(msg) {
  state.me = null; state.csrf = null;
  if (state.events) { state.events.close(); state.events = null; }
  $("app-view").classList.add("hidden");
  $("logout").classList.add("hidden");
  $("who").textContent = "";
  $("login-view").classList.remove("hidden");
  $("login-error").textContent = msg || "";
}

function showApp(me) {
  state.me = me; state.csrf = me.csrf;
  $("login-view").classList.add("hidden");
  $("app-view").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  $("who").textContent = me.name + " (" + me.role + ")";
  document.body.dataset.role = me.role;
  listen();
  loadMenu();
}

async function login(ev) {
  ev.preventDefault();
  const r = await api("POST", "/api/login", { name: $("login-name").value, password: $("login-password").value });
  $("login-password").value = "";
  if (r.ok) return showApp(r.data);
  if (r.status === 429) $("login-error").textContent = t("locked") + " " + localTime(r.data && r.data.locked_until);
  else $("login-error").textContent = t("wrong_login");
}

async function logout() {
  await api("POST", "/api/logout");
  showLogin();
}

// ---- live board -----------------------------------------------------------------------------
function listen() {
  if (state.events) state.events.close();
  const es = new EventSource("/api/events");
  es.addEventListener("board", (e) => {
    state.board = JSON.parse(e.data);
    renderBoard(); renderStatus(); renderAlerts(); loadRefunds();
    if (state.tab === "conversations") loadConversations();
    if (PAGES[state.tab] && PAGES[state.tab].live) PAGES[state.tab].live();
  });
  // EventSource reconnects by itself; a 401 means the session ended.
  es.onerror = async () => { const r = await fetch("/api/me"); if (r.status === 401) showLogin(t("session_over")); };
  state.events = es;
}

function renderStatus() {
  const s = state.board && state.board.status;
  if (!s) return;
  const conn = $("conn");
  conn.className = "conn " + (s.connected ? "ok" : "down");
  conn.textContent = s.connected ? t("connected")
    : s.offline_since ? t("offline_since") + " " + localTime(s.offline_since)
      + (s.next_attempt_at ? " · " + t("next_try") + " " + localTime(s.next_attempt_at) : "")
    : t("never_synced");
  $("backlog").textContent = t("backlog") + " : " + s.outbox_backlog;
  $("lastsync").textContent = t("last_sync") + " : " + (s.last_sync_at ? localTime(s.last_sync_at) : "—");
  $("lag").textContent = t("lag") + " : " + (s.relay_lag_ms == null ? "—" : (s.relay_lag_ms / 1000).toFixed(1) + " s");
}

function renderAlerts() {
  const box = $("alerts");
  const a = (state.board && state.board.handoff_alerts) || [];
  const items = a.map((x) => el("div", { class: "alert", "data-customer": x.customer_id },
    "⚠ " + x.name + " " + t("handoff_alert") + " ",
    el("button", { type: "button", onclick: () => { switchTab("conversations"); openConversation(x.customer_id); } }, t("open"))));
  // Customers the relay answered for us while this device was away: staff answer them first.
  const told = (state.board && state.board.status && state.board.status.away_told_customers) || 0;
  if (told > 0) {
    items.unshift(el("div", { class: "alert away-told", id: "away-told", "data-count": told },
      "📨 " + t("away_told").replace("{n}", told) + " ",
      el("button", { type: "button", onclick: () => api("POST", "/api/away-told/acknowledge", {}) }, t("ok"))));
  }
  // Printers the kitchen is waiting on (printers.js), first: a lost ticket is a lost order.
  items.unshift(...printerAlerts());
  box.replaceChildren(...items);
  box.classList.toggle("hidden", items.length === 0);
  for (const [id, n] of [["unread-badge", state.board && state.board.unread], ["quarantine-badge", state.board && state.board.quarantined]]) {
    const badge = $(id);
    badge.textContent = n || 0;
    badge.classList.toggle("hidden", !n);
  }
}

function column(status) {
  return ["delivered", "cancelled", "rejected"].includes(status) ? "done" : status;
}

function renderBoard() {
  if (!state.board) return;
  const cols = {};
  const board = $("board");
  board.replaceChildren(...COLUMNS.map((c) => {
    cols[c] = el("div", { class: "column", "data-column": c });
    return cols[c];
  }));
  const counts = {};
  for (const o of state.board.orders) {
    const c = column(o.status);
    counts[c] = (counts[c] || 0) + 1;
    cols[c].append(card(o));
  }
  for (const c of COLUMNS) cols[c].prepend(el("h2", {}, el("span", {}, t("st_" + c)), el("span", {}, String(counts[c] || 0))));
}

function card(o) {
  const moves = o.next.filter((s) => s !== "cancelled" && s !== "rejected");
  const stops = o.next.filter((s) => s === "cancelled" || s === "rejected");
  const reasonBox = el("div", { class: "row hidden" },
    el("input", { class: "reason", placeholder: t("reason"), "data-reason": o.id }));
  const c = el("div", { class: "card" + (o.late ? " late" : o.due_soon ? " soon" : ""), "data-order": o.id, "data-status": o.status },
    el("div", { class: "row" },
      el("span", { class: "num" }, "#" + o.number),
      el("span", { class: "source" }, SOURCES[o.source] || t(o.source)),
      o.late ? el("span", { class: "late-tag" }, t("late")) : null,
      o.due_soon ? el("span", { class: "soon-tag" }, t("soon")) : null),
    el("div", {}, o.customer, " · ", t(o.fulfilment)),
    o.address ? el("div", { class: "muted" }, o.address) : null,
    el("ul", {}, o.items.map((i) => el("li", {}, i))),
    o.note ? el("div", { class: "order-note" }, t("kitchen_note") + " : " + o.note) : null,
    el("div", {}, el("strong", {}, o.total + " DA"), o.eta_local ? " · " + t("eta") + " " + o.eta_local : ""),
    o.trust_check && !["delivered", "cancelled", "rejected"].includes(o.status)
      ? el("div", { class: "trust-tag", "data-trust": o.trust_check },
          t("trust_" + o.trust_check) + " (" + o.no_shows + " " + t("no_shows") + ")")
      : null,
    o.payment_status && o.payment_status !== "pending"
      ? el("div", { class: "muted", "data-payment": o.payment_status }, t("pay_" + o.payment_status))
      : null,
    ["delivered", "cancelled", "rejected"].includes(o.status)
      ? el("div", { class: "muted" }, t("lbl_" + o.status) + (o.cancel_reason ? " — " + o.cancel_reason : ""))
      : null,
    voiceCardLink(o));
  if (o.next.length) {
    c.append(el("div", { class: "actions" },
      moves.map((s) => el("button", { type: "button", "data-to": s, onclick: () => move(o.id, s) }, t("to_" + s))),
      stops.map((s) => el("button", { type: "button", class: "danger", "data-to": s, onclick: () => stop(o.id, s, reasonBox) }, t("to_" + s)))));
    c.append(reasonBox);
    // Delivery problems and money at the door (docs/payments.md): the customer is told.
    const extra = [];
    if (o.fulfilment === "delivery") {
      extra.push(el("button", { type: "button", class: "secondary", "data-issue": "address_unclear", onclick: () => issue(o.id, "address_unclear") }, t("address_unclear")));
      extra.push(el("button", { type: "button", class: "secondary", "data-issue": "courier_delayed", onclick: () => issue(o.id, "courier_delayed") }, t("courier_delayed")));
    }
    if (o.payment_method === "cod" && o.payment_status === "pending" && o.status === "out_for_delivery") {
      extra.push(el("button", { type: "button", class: "danger", "data-cash-refused": o.id, onclick: () => cashRefused(o.id) }, t("cash_refused")));
    }
    if (extra.length) c.append(el("div", { class: "actions" }, extra));
    c.append(el("div", { class: "row" },
      el("input", { type: "number", min: 1, max: 600, placeholder: t("set_eta"), "data-eta": o.id }),
      el("button", { type: "button", class: "secondary", "data-set-eta": o.id, onclick: () => setEta(o.id, c) }, t("ok"))));
  }
  // The kitchen lost or spoiled its ticket: any order, open or finished (printers.js).
  c.append(reprintButton(o));
  return c;
}

async function move(id, to, reason) {
  const r = await api("POST", "/api/orders/" + id + "/status", { to, reason });
  return r.ok;
}

// Cancelling or refusing asks for a reason first (the customer is told it).
async function stop(id, to, box) {
  const input = box.querySelector("input");
  if (box.classList.contains("hidden")) { box.classList.remove("hidden"); input.focus(); return; }
  if (to === "cancelled" && !input.value.trim()) { flash(t("reason_needed")); input.focus(); return; }
  await move(id, to, input.value.trim() || undefined);
}

async function issue(id, kind) {
  const r = await api("POST", "/api/orders/" + id + "/delivery-issue", { kind, minutes: 15 });
  if (r.ok) flash(t("customer_told"), true);
}

async function cashRefused(id) {
  const r = await api("POST", "/api/orders/" + id + "/cash-refused");
  if (r.ok) flash(t("saved"), true);
}

// Owner only: paid orders that were cancelled, until someone marks the money given back.
async function loadRefunds() {
  const box = $("refunds");
  if (!state.me || state.me.role !== "owner") { box.classList.add("hidden"); return; }
  const r = await api("GET", "/api/refunds");
  const list = (r.ok && r.data.refunds) || [];
  box.classList.toggle("hidden", list.length === 0);
  box.replaceChildren(el("h2", {}, t("refunds")), el("ul", {}, list.map((f) =>
    el("li", { "data-refund": f.id }, "#" + f.order_number + " · " + f.amount + " DA · " + f.reason + " ",
      el("button", { type: "button", class: "secondary", onclick: async () => {
        const d = await api("POST", "/api/refunds/" + f.id + "/done");
        if (d.ok) loadRefunds();
      } }, t("refund_done"))))));
}

async function setEta(id, c) {
  const minutes = parseInt(c.querySelector("[data-eta]").value, 10);
  if (!(minutes >= 1)) return;
  await api("POST", "/api/orders/" + id + "/eta", { minutes });
}

// ---- conversations --------------------------------------------------------------------------
async function loadConversations() {
  const r = await api("GET", "/api/conversations");
  if (!r.ok) return;
  $("conv-list").replaceChildren(...r.data.conversations.map((c) => el("li", {
      class: (c.unread > 0 ? "unread" : "") + (state.conv === c.customer_id ? " active" : ""),
      "data-customer": c.customer_id, onclick: () => openConversation(c.customer_id),
    },
    c.unread > 0 ? el("span", { class: "dot", title: String(c.unread) }) : null,
    el("div", { class: "grow" },
      el("div", { class: "cname" }, c.name, " ",
        c.handoff_requested ? el("span", { class: "tag" }, t("wants_human")) : null,
        c.bot_paused ? el("span", { class: "tag" }, "⏸") : null,
        c.quarantined ? el("span", { class: "tag", "data-quarantined": c.customer_id }, t("quarantined_tag")) : null,
        c.opted_out ? el("span", { class: "tag", "data-opted-out": c.customer_id }, t("opted_out_tag")) : null),
      el("div", { class: "preview" }, c.last_message || "")))));
  if (state.conv) openConversation(state.conv, true);
}

// `conv`: the conversation, for a customer's own media (a voice note can become an order).
function mediaView(m, conv) {
  const label = (m.voice ? "🎤 " : "") + t(m.kind);
  if (!m.url) {
    const why = m.state === "fetching" ? t("media_fetching") : t("media_missing");
    return el("div", { class: "placeholder", title: m.error || "" }, "[" + label + " — " + why + "]");
  }
  // A tap opens the full-size picture (zoom) in its own tab.
  if (m.kind === "image" || m.kind === "sticker") {
    return el("a", { href: m.url, target: "_blank", rel: "noopener" }, el("img", { src: m.url, alt: label }));
  }
  if (m.kind === "audio") {
    return el("div", { class: "voice" },
      el("audio", { src: m.url, controls: true, preload: "metadata" }),
      el("a", { href: m.url, download: "", class: "muted" }, "⬇"),
      voiceOrderButton(m, conv));
  }
  if (m.kind === "video") return el("video", { src: m.url, controls: true, width: 240 });
  return el("a", { href: m.url, target: "_blank", rel: "noopener" }, label);
}

async function openConversation(id, quiet) {
  state.conv = id;
  const r = await api("GET", "/api/conversations/" + id);
  if (!r.ok) return;
  const c = r.data.conversation;
  $("conv-name").textContent = c.name;
  $("conv-state").textContent = c.bot_paused ? t("bot_paused") : c.handoff_requested ? t("wants_human") : t("bot_active");
  $("take-over").classList.toggle("hidden", c.bot_paused);
  $("hand-back").classList.toggle("hidden", !c.bot_paused);
  $("reply-form").classList.toggle("hidden", !c.bot_paused);
  const box = $("transcript");
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
  box.replaceChildren(...r.data.transcript.map((m) => {
    const who = m.direction === "in" ? c.name : m.author === "bot" ? t("bot") : m.author === "restaurant" ? t("restaurant") : m.author;
    const media = m.media.map((x) => mediaView(x, m.direction === "in" ? c : null));
    const nonText = m.direction === "in" && !m.body && !m.revision && !["text", "interactive", "button", "location"].includes(m.kind) && media.length === 0;
    return el("div", { class: "msg " + m.direction + (m.author !== "bot" && m.author !== "customer" && m.author !== "restaurant" ? " staff" : ""), "data-kind": m.kind, "data-revision": m.revision || "" },
      el("div", { class: "meta" }, who + " · " + localTime(m.at) + (m.revision ? " · " + t("msg_" + m.revision) : "")),
      m.body ? el("div", {}, m.body) : null,
      media,
      m.undelivered ? el("div", { class: "undelivered", "data-undelivered": m.undelivered },
        "⚠ " + (m.undelivered === "outside_window" ? t("undelivered_window") : t("undelivered") + " : " + m.undelivered)) : null,
      nonText ? el("div", { class: "placeholder" }, "[" + t(m.kind) + " — " + t("media_missing") + "]") : null);
  }));
  if (!quiet || atBottom) box.scrollTop = box.scrollHeight;
  if (c.unread > 0) await api("POST", "/api/conversations/" + id + "/read");
  for (const li of $("conv-list").children) li.classList.toggle("active", li.dataset.customer == id);
}

async function convAction(what) {
  if (!state.conv) return;
  const r = await api("POST", "/api/conversations/" + state.conv + "/" + what);
  if (r.ok) openConversation(state.conv);
}

async function reply(ev) {
  ev.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text || !state.conv) return;
  const r = await api("POST", "/api/conversations/" + state.conv + "/reply", { text });
  if (r.ok) { $("reply-text").value = ""; openConversation(state.conv); }
}

// ---- menu -----------------------------------------------------------------------------------
async function loadMenu() {
  // aria-busy until fresh: nobody types into fields about to be replaced.
  $("menu").setAttribute("aria-busy", "true");
  try {
    const r = await api("GET", "/api/menu");
    if (!r.ok) return;
    state.menu = r.data.menu; state.canEdit = r.data.can_edit;
    renderMenu(); renderOrderForm();
  } finally {
    $("menu").removeAttribute("aria-busy");
  }
}

function itemName(i) { return state.lang === "ar" ? i.name.ar : i.name.fr; }

function renderMenu() {
  const m = state.menu;
  $("add-item").classList.toggle("hidden", !state.canEdit || !m);
  if (!m) { $("menu").replaceChildren(); return; }
  $("new-cat").replaceChildren(...m.categories.map((c) => el("option", { value: c.id }, state.lang === "ar" ? c.name.ar : c.name.fr)));
  $("menu").replaceChildren(...m.categories.map((c) => el("div", { class: "menu-cat" },
    el("h3", {}, state.lang === "ar" ? c.name.ar : c.name.fr),
    c.items.map((i) => {
      const row = el("div", { class: "menu-item" + (i.available ? "" : " off"), "data-sku": i.sku },
        el("span", { class: "iname" }, itemName(i), " ", el("span", { class: "muted" }, i.price + " DA")),
        el("button", { type: "button", class: i.available ? "secondary" : "danger", "data-toggle": i.sku,
          onclick: () => toggle(i) }, i.available ? t("available") : t("unavailable")));
      if (state.canEdit) {
        const price = el("input", { class: "price", type: "number", min: 0, value: i.price, "aria-label": t("price") });
        const fr = el("input", { class: "nm", value: i.name.fr, "aria-label": t("name_fr") });
        const ar = el("input", { class: "nm", value: i.name.ar, dir: "rtl", "aria-label": t("name_ar") });
        row.append(price, fr, ar, el("button", { type: "button", "data-save": i.sku, onclick: async () => {
          const r = await api("POST", "/api/menu/items/" + encodeURIComponent(i.sku),
            { price: parseInt(price.value, 10), name_fr: fr.value, name_ar: ar.value });
          if (r.ok) { flash(t("saved"), true); loadMenu(); }
        } }, t("save")));
      }
      return row;
    }))));
}

async function toggle(i) {
  const r = await api("POST", "/api/menu/items/" + encodeURIComponent(i.sku) + "/availability", { available: !i.available });
  if (r.ok) loadMenu();
}

async function addItem(ev) {
  ev.preventDefault();
  const r = await api("POST", "/api/menu/items", {
    category_id: $("new-cat").value, sku: $("new-sku").value.trim(),
    name_fr: $("new-fr").value.trim(), name_ar: $("new-ar").value.trim(), price: parseInt($("new-price").value, 10),
  });
  if (r.ok) { ev.target.reset(); flash(t("saved"), true); loadMenu(); }
}

// ---- counter / phone orders -----------------------------------------------------------------
function renderOrderForm() {
  const m = state.menu;
  const box = $("order-items");
  if (!m) { box.replaceChildren(); return; }
  const kept = {};
  for (const q of box.querySelectorAll("input[data-sku]")) kept[q.dataset.sku] = q.value;
  box.replaceChildren(...m.categories.flatMap((c) => c.items.filter((i) => i.available).map((i) =>
    el("div", { class: "line" }, el("span", {}, itemName(i) + " — " + i.price + " DA"),
      el("input", { type: "number", min: 0, max: 50, value: kept[i.sku] || 0, "data-sku": i.sku, "data-price": i.price, oninput: orderTotal })))));
  orderTotal();
}

function orderTotal() {
  let total = 0;
  for (const q of $("order-items").querySelectorAll("input[data-sku]")) total += (parseInt(q.value, 10) || 0) * parseInt(q.dataset.price, 10);
  $("order-total").textContent = total;
}

async function placeOrder(ev) {
  ev.preventDefault();
  const lines = [...$("order-items").querySelectorAll("input[data-sku]")]
    .map((q) => ({ sku: q.dataset.sku, qty: parseInt(q.value, 10) || 0 })).filter((l) => l.qty > 0);
  const r = await api("POST", "/api/orders", {
    source: $("order-source").value, customer_name: $("order-name").value.trim() || null,
    phone: $("order-phone").value.trim() || null, fulfilment: $("order-fulfilment").value,
    address: $("order-address").value.trim() || null, note: $("order-note").value.trim() || null,
    lines, ...voiceOrderField(),
  });
  if (r.ok) { ev.target.reset(); clearVoiceOrder(); renderOrderForm(); flash(t("order_saved") + " #" + r.data.number, true); switchTab("board"); }
}

// ---- tabs and start-up ----------------------------------------------------------------------
function switchTab(name) {
  state.tab = name;
  for (const b of document.querySelectorAll(".tab")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".tabpane")) p.classList.toggle("hidden", p.id !== "tab-" + name);
  if (name === "conversations") loadConversations();
  if (name === "menu" || name === "new-order") loadMenu();
  if (PAGES[name]) PAGES[name].load();
}

function renderAll() {
  renderBoard(); renderStatus(); renderAlerts(); renderMenu(); renderOrderForm();
  if (state.tab === "conversations" && state.me) loadConversations();
  if (PAGES[state.tab] && state.me) PAGES[state.tab].load();
}

document.addEventListener("DOMContentLoaded", async () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "ar" ? "fr" : "ar";
    localStorage.setItem("lang", state.lang);
    applyLang();
  });
  for (const b of document.querySelectorAll(".tab")) b.addEventListener("click", () => switchTab(b.dataset.tab));
  $("take-over").addEventListener("click", () => convAction("take-over"));
  $("hand-back").addEventListener("click", () => convAction("hand-back"));
  $("reply-form").addEventListener("submit", reply);
  $("add-item").addEventListener("submit", addItem);
  $("order-form").addEventListener("submit", placeOrder);
  applyLang();
  const r = await fetch("/api/me", { credentials: "same-origin" });
  if (r.ok) showApp(await r.json()); else showLogin();
});
