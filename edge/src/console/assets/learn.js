// The owner's learning loop: phrases the bot did not understand, how often and in which
// conversations; one tap maps a phrase to a menu item (the closest ones are suggested), a
// commune or an intent, and the bot understands it from the next message. Loaded after
// app.js and uses its helpers ($, el, t, api, flash, state, PAGES, switchTab,
// openConversation); the server checks the owner's role again.
"use strict";

Object.assign(T.fr, {
  tab_phrases: "Phrases", phrases_title: "Phrases que le bot n'a pas comprises",
  phrases_hint: "Associez une phrase à un article, une commune ou une intention : le bot la comprend dès le message suivant.",
  aliases_title: "Ce que vous avez appris au bot", no_phrases: "Aucune phrase incomprise pour l'instant.",
  no_aliases: "Rien pour l'instant.", times: "fois", last_seen: "dernière fois", conversations_of: "Conversations :",
  map_to: "Associer à", kind_item: "Article", kind_commune: "Commune", kind_intent: "Intention",
  map: "Associer", dismiss: "Ignorer", register: "Registre", reg_any: "Tous", reg_fr: "Français",
  reg_ar: "Arabe standard", reg_darija: "Darija (arabe)", reg_arabizi: "Darija (latin)",
  taught: "Le bot comprend maintenant", means: "=", by: "par", remove: "Retirer",
  i_greeting: "Salutation", i_show_menu: "Voir le menu", i_order_add: "Commander", i_remove_item: "Retirer un article",
  i_modify_order: "Modifier la commande", i_price_question: "Question de prix", i_delivery_question: "Question livraison",
  i_address_location: "Adresse / position", i_payment_question: "Question paiement", i_opening_hours: "Horaires",
  i_order_status: "Où est ma commande", i_cancel: "Annuler", i_confirm: "Oui / confirmer", i_decline: "Non",
  i_human_handoff: "Parler à quelqu'un", i_complaint: "Réclamation", i_thanks: "Merci", i_bye: "Au revoir",
});
Object.assign(T.ar, {
  tab_phrases: "عبارات", phrases_title: "عبارات لم يفهمها البوت",
  phrases_hint: "اربط العبارة بصنف أو بلدية أو نية: يفهمها البوت من الرسالة التالية.",
  aliases_title: "ما علّمته للبوت", no_phrases: "لا توجد عبارات غير مفهومة حاليا.",
  no_aliases: "لا شيء حاليا.", times: "مرة", last_seen: "آخر مرة", conversations_of: "المحادثات:",
  map_to: "اربط بـ", kind_item: "صنف", kind_commune: "بلدية", kind_intent: "نية",
  map: "ربط", dismiss: "تجاهل", register: "السجل", reg_any: "الكل", reg_fr: "الفرنسية",
  reg_ar: "العربية الفصحى", reg_darija: "الدارجة (عربي)", reg_arabizi: "الدارجة (لاتيني)",
  taught: "البوت يفهم الآن", means: "=", by: "بواسطة", remove: "حذف",
  i_greeting: "تحية", i_show_menu: "عرض القائمة", i_order_add: "طلب", i_remove_item: "حذف صنف",
  i_modify_order: "تعديل الطلب", i_price_question: "سؤال عن السعر", i_delivery_question: "سؤال عن التوصيل",
  i_address_location: "العنوان / الموقع", i_payment_question: "سؤال عن الدفع", i_opening_hours: "أوقات العمل",
  i_order_status: "أين طلبي", i_cancel: "إلغاء", i_confirm: "نعم / تأكيد", i_decline: "لا",
  i_human_handoff: "التحدث مع شخص", i_complaint: "شكوى", i_thanks: "شكرا", i_bye: "مع السلامة",
});

const learn = { data: null, shown: "" };
const REGISTERS = ["", "fr", "ar", "darija", "arabizi"];

function learnItems() {
  const m = state.menu;
  return m ? m.categories.flatMap((c) => c.items) : [];
}

// What a target is called in the page, whatever its kind.
function targetName(kind, target) {
  if (kind === "item") { const i = learnItems().find((x) => x.sku === target); return i ? itemName(i) : target; }
  if (kind === "commune") {
    const c = (learn.data.communes || []).find((x) => x.code === target);
    return c ? (state.lang === "ar" ? c.name_ar : c.name_fr) : target;
  }
  return t("i_" + target);
}

function targetOptions(kind) {
  if (kind === "item") return learnItems().map((i) => el("option", { value: i.sku }, itemName(i) + " (" + i.sku + ")"));
  if (kind === "commune") return learn.data.communes.map((c) => el("option", { value: c.code }, state.lang === "ar" ? c.name_ar : c.name_fr));
  return learn.data.intents.map((i) => el("option", { value: i }, t("i_" + i)));
}

async function teach(p, kind, target, register) {
  const r = await api("POST", "/api/aliases", { kind, phrase: p.phrase, target, register: register || null });
  if (!r.ok) return;
  flash(t("taught") + " « " + p.sample + " » " + t("means") + " " + targetName(kind, target), true);
  await loadPhrases(true);
}

function phraseRow(p) {
  const kind = el("select", { "data-map-kind": p.id }, ["item", "commune", "intent"].map((k) => el("option", { value: k }, t("kind_" + k))));
  const target = el("select", { "data-map-target": p.id }, targetOptions("item"));
  const register = el("select", { "data-map-register": p.id, "aria-label": t("register") },
    REGISTERS.map((r) => el("option", { value: r }, t("reg_" + (r || "any")))));
  kind.addEventListener("change", () => target.replaceChildren(...targetOptions(kind.value)));
  return el("li", { "data-phrase-id": p.id, "data-phrase": p.phrase },
    el("div", { class: "phrase-head" },
      el("strong", { dir: "auto" }, "« " + p.sample + " »"),
      el("span", { class: "count" }, p.count + " " + t("times")),
      el("span", { class: "muted" }, t("last_seen") + " " + new Date(p.last_seen).toLocaleString("fr-FR"))),
    el("div", { class: "phrase-convs" }, el("span", { class: "muted" }, t("conversations_of")),
      p.seen.map((s) => el("button", { type: "button", class: "ghost small", "data-conv": s.customer_id,
        onclick: () => { switchTab("conversations"); openConversation(s.customer_id); } },
      (s.display_name || "#" + s.customer_id) + " · " + localTime(s.at)))),
    el("div", { class: "phrase-map" },
      p.suggestions.map((sku) => el("button", { type: "button", class: "secondary", "data-suggest": sku,
        onclick: () => teach(p, "item", sku, register.value) }, "→ " + targetName("item", sku))),
      el("span", { class: "muted" }, t("map_to")), kind, target, register,
      el("button", { type: "button", "data-map-submit": p.id, onclick: () => teach(p, kind.value, target.value, register.value) }, t("map")),
      el("button", { type: "button", class: "ghost small", "data-dismiss": p.id, onclick: async () => {
        const r = await api("POST", "/api/unmapped/" + p.id + "/dismiss");
        if (r.ok) loadPhrases(true);
      } }, t("dismiss"))));
}

function aliasRow(a) {
  return el("li", { "data-alias": a.phrase, "data-alias-kind": a.kind },
    el("strong", { dir: "auto" }, "« " + a.phrase + " »"), el("span", {}, t("means")),
    el("span", { "data-alias-target": a.target }, t("kind_" + a.kind) + " : " + targetName(a.kind, a.target)),
    a.register ? el("span", { class: "muted" }, t("reg_" + a.register)) : null,
    el("span", { class: "muted" }, (a.created_by ? t("by") + " " + a.created_by + " · " : "") + new Date(a.created_at).toLocaleDateString("fr-FR")),
    el("button", { type: "button", class: "danger", "data-remove-alias": a.id, onclick: async () => {
      const r = await api("DELETE", "/api/aliases/" + a.id);
      if (r.ok) loadPhrases(true);
    } }, t("remove")));
}

// `force`: after the owner's own change. Otherwise (the periodic refresh) the list is only
// redrawn when it changed and the owner is not in the middle of choosing in it.
async function loadPhrases(force) {
  if (!state.menu) await loadMenu();
  const r = await api("GET", "/api/unmapped");
  if (!r.ok) return;
  const text = JSON.stringify(r.data);
  const busy = $("phrases").contains(document.activeElement) && document.activeElement.tagName === "SELECT";
  if (!force && (text === learn.shown || busy)) return;
  learn.data = r.data; learn.shown = text;
  const list = r.data.phrases;
  $("phrases").replaceChildren(...(list.length === 0 ? [el("li", { class: "muted" }, t("no_phrases"))] : list.map(phraseRow)));
  $("aliases").replaceChildren(...(r.data.aliases.length === 0 ? [el("li", { class: "muted" }, t("no_aliases"))] : r.data.aliases.map(aliasRow)));
  const badge = $("phrases-badge");
  badge.textContent = String(list.length);
  badge.classList.toggle("hidden", list.length === 0);
}

PAGES.phrases = { load: () => loadPhrases(true), live: () => loadPhrases(false) };

// New phrases arrive with customers' messages, which do not always change the board: look
// again every few seconds while the page is open.
setInterval(() => { if (state.tab === "phrases" && state.me) loadPhrases(false); }, 5000);
