// Console pages for trust and growth: quarantines (all staff), anti-abuse policy and security
// log, FAQ editor, conversion funnel and QR table cards (owner). Loaded after app.js and uses
// its helpers ($, el, t, api, flash, state, PAGES); the server checks every role again.
"use strict";

Object.assign(T.fr, {
  tab_security: "Sécurité", tab_faq: "FAQ", tab_funnel: "Statistiques", tab_qr: "Cartes QR",
  quarantined: "Clients en quarantaine (le bot ne leur répond pas)", policy: "Règles anti-abus",
  security_log: "Journal de sécurité", release: "Libérer", nobody_quarantined: "Personne n'est en quarantaine.",
  until: "jusqu'à", until_release: "jusqu'à libération par le personnel", since: "depuis", released: "Client libéré",
  r_rate_minute: "Trop de messages en une minute", r_rate_hour: "Trop de messages en une heure",
  r_flood: "Même message répété", r_link_spam: "Liens en série", r_order_abuse: "Trop de commandes ouvertes",
  r_manual: "Mis en quarantaine par le personnel",
  p_per_minute: "Messages max par minute", p_per_hour: "Messages max par heure",
  p_flood_repeats: "Répétitions du même texte", p_flood_window_min: "… en minutes",
  p_link_limit: "Messages avec lien par heure (inconnus)", p_max_open_orders: "Commandes ouvertes max par client",
  p_noshow_threshold: "Non-récupérées avant règle (0 = jamais)", p_noshow_action: "Règle à appliquer",
  p_quarantine_minutes: "Libération auto après (min, 0 = manuelle)", p_faq_min_score: "Confiance FAQ minimale (0–1)",
  a_none: "Aucune", a_phone_confirm: "Appeler avant de préparer", a_prepay: "Paiement en ligne d'avance",
  at: "Quand", kind: "Quoi", detail: "Détail",
  k_quarantined: "Mis en quarantaine", k_released: "Libéré", k_message_ignored: "Message ignoré (quarantaine)",
  k_checkout_rule: "Règle à la commande", k_policy_changed: "Règles modifiées", k_csrf_refused: "Requête sans jeton refusée",
  k_scope_refused: "Accès propriétaire refusé", k_account_locked: "Compte bloqué", k_login_failed: "Mot de passe erroné",
  k_login_unknown_name: "Nom inconnu", k_login_while_locked: "Connexion à un compte bloqué",
  r_expired: "Libération automatique", r_phone_confirm: "Appeler avant de préparer", r_prepay: "Paiement en ligne d'avance",
  faq_try: "Tester", faq_try_placeholder: "Une question de client, ex. « wa9tach tsakro ? »",
  faq_new: "Nouvelle question", q_fr: "Question (FR)", q_ar: "Question (AR)", a_fr: "Réponse (FR)", a_ar: "Réponse (AR)",
  keywords: "Mots-clés (séparés par des virgules, Darija en lettres latines)", delete: "Supprimer",
  faq_answers: "Le bot répond", faq_unsure: "Pas assez sûr : le bot propose un humain", faq_none: "Aucune réponse : le bot propose un humain",
  confidence: "confiance",
  from: "Du", to: "au", all_channels: "Tous les canaux", show: "Afficher", export_csv: "Exporter CSV", day: "Jour",
  channel: "Canal", sources: "Origine des conversations",
  s_conversation_started: "Conversations", s_menu_viewed: "Menu vu", s_item_added: "Article ajouté",
  s_checkout_started: "Commande commencée", s_order_confirmed: "Commandes", s_order_delivered: "Livrées",
  s_order_cancelled: "Annulées",
  qr_account: "Numéro WhatsApp, page Facebook ou compte Instagram", qr_text: "Message préécrit",
  qr_label: "Nom dans les statistiques", qr_label_hint: "ex. table, flyer-novembre", qr_create: "Créer le code",
  print_card: "Imprimer carte de table", print_flyer: "Imprimer flyer", scans: "clients venus par ce code",
});
Object.assign(T.ar, {
  tab_security: "الأمان", tab_faq: "الأسئلة", tab_funnel: "الإحصائيات", tab_qr: "بطاقات QR",
  quarantined: "زبائن في الحجر (البوت لا يرد عليهم)", policy: "قواعد مكافحة الإساءة",
  security_log: "سجل الأمان", release: "إطلاق", nobody_quarantined: "لا أحد في الحجر.",
  until: "حتى", until_release: "حتى يطلقه الموظفون", since: "منذ", released: "تم إطلاق الزبون",
  r_rate_minute: "رسائل كثيرة في دقيقة", r_rate_hour: "رسائل كثيرة في ساعة",
  r_flood: "نفس الرسالة مكررة", r_link_spam: "روابط متتالية", r_order_abuse: "طلبات مفتوحة كثيرة",
  r_manual: "وضعه الموظفون في الحجر",
  p_per_minute: "أقصى عدد رسائل في الدقيقة", p_per_hour: "أقصى عدد رسائل في الساعة",
  p_flood_repeats: "تكرار نفس النص", p_flood_window_min: "… خلال دقائق",
  p_link_limit: "رسائل بروابط في الساعة (زبون جديد)", p_max_open_orders: "أقصى طلبات مفتوحة للزبون",
  p_noshow_threshold: "طلبات غير مستلمة قبل القاعدة (0 = أبدا)", p_noshow_action: "القاعدة",
  p_quarantine_minutes: "إطلاق تلقائي بعد (دقيقة، 0 = يدوي)", p_faq_min_score: "أدنى ثقة للأسئلة (0–1)",
  a_none: "لا شيء", a_phone_confirm: "الاتصال قبل التحضير", a_prepay: "الدفع الإلكتروني مسبقا",
  at: "متى", kind: "ماذا", detail: "تفاصيل",
  k_quarantined: "وُضع في الحجر", k_released: "أُطلق", k_message_ignored: "رسالة متجاهلة (حجر)",
  k_checkout_rule: "قاعدة عند الطلب", k_policy_changed: "تغيير القواعد", k_csrf_refused: "طلب بدون رمز مرفوض",
  k_scope_refused: "وصول المالك مرفوض", k_account_locked: "حساب مقفل", k_login_failed: "كلمة سر خاطئة",
  k_login_unknown_name: "اسم غير معروف", k_login_while_locked: "دخول لحساب مقفل",
  r_expired: "إطلاق تلقائي", r_phone_confirm: "الاتصال قبل التحضير", r_prepay: "الدفع الإلكتروني مسبقا",
  faq_try: "تجربة", faq_try_placeholder: "سؤال زبون، مثلا « وقتاش تسكرو؟ »",
  faq_new: "سؤال جديد", q_fr: "السؤال (فرنسية)", q_ar: "السؤال (عربية)", a_fr: "الجواب (فرنسية)", a_ar: "الجواب (عربية)",
  keywords: "كلمات مفتاحية (مفصولة بفواصل)", delete: "حذف",
  faq_answers: "البوت يجيب", faq_unsure: "غير متأكد: البوت يقترح شخصا", faq_none: "لا جواب: البوت يقترح شخصا",
  confidence: "الثقة",
  from: "من", to: "إلى", all_channels: "كل القنوات", show: "عرض", export_csv: "تصدير CSV", day: "اليوم",
  channel: "القناة", sources: "مصدر المحادثات",
  s_conversation_started: "محادثات", s_menu_viewed: "شاهد القائمة", s_item_added: "أضاف صنفا",
  s_checkout_started: "بدأ الطلب", s_order_confirmed: "طلبات", s_order_delivered: "موصلة",
  s_order_cancelled: "ملغاة",
  qr_account: "رقم واتساب أو صفحة فيسبوك أو حساب إنستغرام", qr_text: "الرسالة المكتوبة مسبقا",
  qr_label: "الاسم في الإحصائيات", qr_label_hint: "مثلا table", qr_create: "إنشاء الرمز",
  print_card: "طباعة بطاقة طاولة", print_flyer: "طباعة منشور", scans: "زبائن جاؤوا عبر هذا الرمز",
});

const isOwner = () => state.me && state.me.role === "owner";
// A label for a stored code (event kind, reason), or the code itself when there is none.
const label = (prefix, code) => (code ? T[state.lang][prefix + code] || T.fr[prefix + code] || code : "");

// ---- security: quarantines, policy, log -----------------------------------------------------
async function loadQuarantines() {
  const r = await api("GET", "/api/quarantines");
  if (!r.ok) return;
  const list = r.data.quarantines;
  $("quarantines").replaceChildren(...(list.length === 0 ? [el("li", { class: "muted" }, t("nobody_quarantined"))] : list.map((q) =>
    el("li", { "data-quarantine": q.customer_id },
      el("strong", {}, q.display_name || q.user_id), el("span", { class: "muted" }, SOURCES[q.provider] + " " + q.user_id),
      el("span", { class: "trust-tag", "data-reason": q.reason }, label("r_", q.reason)),
      el("span", {}, q.detail),
      el("span", { class: "muted" }, t("since") + " " + localTime(q.since) + " · " + (q.until ? t("until") + " " + localTime(q.until) : t("until_release"))),
      el("button", { type: "button", class: "secondary", "data-release": q.customer_id, onclick: async () => {
        const d = await api("POST", "/api/customers/" + q.customer_id + "/release");
        if (d.ok) { flash(t("released"), true); loadQuarantines(); }
      } }, t("release"))))));
}

const POLICY_FIELDS = ["per_minute", "per_hour", "flood_repeats", "flood_window_min", "link_limit",
  "max_open_orders", "noshow_threshold", "quarantine_minutes", "faq_min_score"];

async function loadPolicy() {
  const r = await api("GET", "/api/trust-policy");
  if (!r.ok) return;
  const p = r.data.policy;
  const form = $("policy-form");
  form.replaceChildren(
    ...POLICY_FIELDS.map((f) => el("label", {}, t("p_" + f),
      el("input", { type: "number", name: f, min: 0, step: f === "faq_min_score" ? "0.05" : "1", max: f === "faq_min_score" ? 1 : null, value: p[f], required: true }))),
    el("label", {}, t("p_noshow_action"), el("select", { name: "noshow_action" },
      ["none", "phone_confirm", "prepay"].map((a) => el("option", { value: a, selected: a === p.noshow_action }, t("a_" + a))))),
    el("div", {}, el("button", { type: "submit", id: "policy-save" }, t("save"))));
}

async function savePolicy(ev) {
  ev.preventDefault();
  const body = {};
  for (const f of POLICY_FIELDS) body[f] = Number(ev.target.elements[f].value);
  body.noshow_action = ev.target.elements.noshow_action.value;
  const r = await api("POST", "/api/trust-policy", body);
  if (r.ok) flash(t("saved"), true);
}

async function loadSecurityLog() {
  const r = await api("GET", "/api/security-events?limit=200");
  if (!r.ok) return;
  $("security-log").replaceChildren(
    el("tr", {}, el("th", {}, t("at")), el("th", {}, t("kind")), el("th", {}, t("reason")), el("th", {}, t("detail"))),
    ...r.data.events.map((e) => el("tr", { "data-event": e.kind },
      el("td", {}, new Date(e.at).toLocaleString("fr-FR")), el("td", {}, label("k_", e.kind)),
      el("td", {}, label("r_", e.reason)), el("td", {}, e.detail))));
}

PAGES.security = {
  load() { loadQuarantines(); if (isOwner()) { loadPolicy(); loadSecurityLog(); } },
  live() { loadQuarantines(); if (isOwner()) loadSecurityLog(); },
};

// ---- FAQ ------------------------------------------------------------------------------------
function faqFields(f) {
  const area = (name, dir) => el("textarea", { name, dir, required: true });
  const box = [
    el("label", {}, t("q_fr"), area("q_fr", "ltr")), el("label", {}, t("q_ar"), area("q_ar", "rtl")),
    el("label", {}, t("a_fr"), area("a_fr", "ltr")), el("label", {}, t("a_ar"), area("a_ar", "rtl")),
    el("label", { class: "kw" }, t("keywords"), el("input", { name: "keywords" })),
  ];
  // Values set as properties: the owner's text is never parsed as HTML.
  if (f) {
    const v = { q_fr: f.q.fr, q_ar: f.q.ar, a_fr: f.a.fr, a_ar: f.a.ar, keywords: f.keywords.join(", ") };
    for (const l of box) { const i = l.querySelector("textarea, input"); i.value = v[i.name]; }
  }
  return box;
}

function faqBody(form) {
  const v = (n) => form.elements[n].value.trim();
  return {
    q: { fr: v("q_fr"), ar: v("q_ar") }, a: { fr: v("a_fr"), ar: v("a_ar") },
    keywords: v("keywords").split(",").map((k) => k.trim()).filter((k) => k),
  };
}

async function loadFaq() {
  const r = await api("GET", "/api/faq");
  if (!r.ok) return;
  $("faq-entries").replaceChildren(...r.data.entries.map((f) => {
    const form = el("form", { class: "faq-entry", "data-faq": f.position }, ...faqFields(f));
    form.append(el("div", { class: "actions" },
      el("button", { type: "submit", "data-faq-save": f.position }, t("save")), " ",
      el("button", { type: "button", class: "danger", "data-faq-delete": f.position, onclick: async () => {
        const d = await api("DELETE", "/api/faq/" + f.position);
        if (d.ok) loadFaq();
      } }, t("delete"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const d = await api("POST", "/api/faq/" + f.position, faqBody(form));
      if (d.ok) flash(t("saved"), true);
    });
    return form;
  }));
  const add = $("faq-add");
  add.replaceChildren(el("h3", {}, t("faq_new")), ...faqFields(null),
    el("div", { class: "actions" }, el("button", { type: "submit", id: "faq-add-submit" }, t("add"))));
}

async function addFaq(ev) {
  ev.preventDefault();
  const r = await api("POST", "/api/faq", faqBody(ev.target));
  if (r.ok) { flash(t("saved"), true); loadFaq(); }
}

async function tryFaq(ev) {
  ev.preventDefault();
  const q = $("faq-question").value.trim();
  if (!q) return;
  const r = await api("GET", "/api/faq/try?q=" + encodeURIComponent(q));
  if (!r.ok) return;
  const m = r.data.match;
  const out = $("faq-answer");
  out.dataset.answers = m ? String(m.answers) : "none";
  if (!m) { out.textContent = t("faq_none"); return; }
  const lang = state.lang === "ar" ? "ar" : "fr";
  out.textContent = (m.answers ? t("faq_answers") : t("faq_unsure")) + " — « " + m.q[lang] + " » → " + m.a[lang]
    + " (" + t("confidence") + " " + Math.round(m.confidence * 100) + " %)";
}

PAGES.faq = { load: loadFaq };

// ---- funnel ---------------------------------------------------------------------------------
// The default span is the restaurant's own last 7 days, which the edge knows and the tablet's
// clock may not (a tablet left on UTC is a day behind from 23:00 in Algiers).
function funnelQuery() {
  return ["from", "to"].filter((k) => $("funnel-" + k).value)
    .map((k) => k + "=" + $("funnel-" + k).value).join("&");
}

async function loadFunnel() {
  const ch = $("funnel-channel").value;
  const r = await api("GET", "/api/funnel?" + funnelQuery());
  if (!r.ok) return;
  $("funnel-from").value = r.data.from;
  $("funnel-to").value = r.data.to;
  const q = funnelQuery();
  $("funnel-chart").src = "/api/funnel.svg?" + q + (ch ? "&channel=" + ch : "");
  $("funnel-csv").href = "/api/funnel.csv?" + q;
  // Conversion per step, per day and channel (sources summed), as % of conversations started.
  const cells = {}, sources = {};
  for (const row of r.data.rows) {
    if (ch && row.channel !== ch) continue;
    const k = row.day + "|" + row.channel;
    cells[k] = cells[k] || {};
    cells[k][row.step] = (cells[k][row.step] || 0) + row.count;
    if (row.step === "conversation_started") sources[row.source] = (sources[row.source] || 0) + row.count;
  }
  const steps = r.data.steps;
  $("funnel-table").replaceChildren(
    el("tr", {}, el("th", {}, t("day")), el("th", {}, t("channel")), steps.map((s) => el("th", {}, t("s_" + s)))),
    ...Object.keys(cells).sort().map((k) => {
      const [day, channel] = k.split("|");
      const c = cells[k], started = c.conversation_started || 0;
      return el("tr", { "data-day": day, "data-channel": channel }, el("td", {}, day), el("td", {}, SOURCES[channel] || channel),
        steps.map((s) => el("td", { class: "num", "data-step": s, "data-count": c[s] || 0 },
          String(c[s] || 0) + (started && s !== steps[0] ? " (" + Math.round((c[s] || 0) * 100 / started) + " %)" : ""))));
    }),
    el("tr", {}, el("th", { colspan: 2 + steps.length }, t("sources"))),
    ...Object.entries(sources).map(([s, n]) => el("tr", { "data-source": s }, el("td", { colspan: 2 }, s), el("td", { class: "num" }, String(n)))));
}

PAGES.funnel = { load: loadFunnel };

// ---- QR table cards -------------------------------------------------------------------------
function printLink(text, size) {
  return el("a", { class: "button secondary", target: "_blank", rel: "noopener", "data-print": size,
    href: "/api/qr/print?size=" + size + "&text=" + encodeURIComponent(text) }, t("print_" + size));
}

async function loadQr() {
  const r = await api("GET", "/api/qr");
  if (!r.ok) return;
  $("qr-account").placeholder = r.data.default_account || "";
  $("qr-cards").replaceChildren(...r.data.cards.map((c) => el("li", { "data-card": c.label },
    el("strong", {}, c.label), el("span", { class: "muted" }, SOURCES[c.channel]),
    el("a", { href: c.link, target: "_blank", rel: "noopener" }, c.link.replace("https://", "")),
    el("span", { "data-scans": c.scans }, c.scans + " " + t("scans")),
    printLink(c.text, "card"), printLink(c.text, "flyer"))));
}

async function createQr(ev) {
  ev.preventDefault();
  const r = await api("POST", "/api/qr", {
    channel: $("qr-channel").value, account: $("qr-account").value.trim() || null,
    text: $("qr-text").value.trim(), label: $("qr-label").value.trim() || null,
  });
  if (!r.ok) return;
  flash(r.data.link, true);
  await loadQr();
  const li = [...$("qr-cards").children].find((x) => x.dataset.card === r.data.label);
  if (li) li.prepend(el("img", { class: "qr-preview", alt: r.data.link, src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.data.svg) }));
}

PAGES.qr = { load: loadQr };

document.addEventListener("DOMContentLoaded", () => {
  $("policy-form").addEventListener("submit", savePolicy);
  $("faq-add").addEventListener("submit", addFaq);
  $("faq-try").addEventListener("submit", tryFaq);
  $("funnel-form").addEventListener("submit", (ev) => { ev.preventDefault(); loadFunnel(); });
  $("qr-form").addEventListener("submit", createQr);
});
