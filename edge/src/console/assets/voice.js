// Voice notes as orders: an order card plays the voice note it came from (in one player
// above the board, so the live board redrawing a card never cuts it off), and a voice note
// in a conversation opens the counter-order form prefilled with its customer; that order is
// theirs (news goes to their chat) and names the note. Loaded after app.js and uses its
// helpers ($, el, t, api, flash, state, SOURCES, switchTab, openConversation).
"use strict";

Object.assign(T.fr, {
  voice_listen: "🎤 Écouter le message vocal", voice_conv: "Conversation",
  voice_order: "📝 Commande depuis ce vocal", voice_order_for: "Commande dictée par",
  voice_order_cancel: "Pas depuis ce vocal", voice_close: "Fermer",
});
Object.assign(T.ar, {
  voice_listen: "🎤 الاستماع للرسالة الصوتية", voice_conv: "المحادثة",
  voice_order: "📝 طلب من هذه الرسالة الصوتية", voice_order_for: "طلب أملاه",
  voice_order_cancel: "ليس من هذه الرسالة", voice_close: "إغلاق",
});

// The card's link: plays the note in the board's player, or opens the conversation.
function voiceCardLink(o) {
  if (!o.voice_note) return null;
  const v = o.voice_note;
  return el("div", { class: "actions voice-link" },
    el("button", { type: "button", class: "secondary", "data-voice-note": v.media_id,
      onclick: () => playVoiceNote(v, o) }, t("voice_listen")),
    el("button", { type: "button", class: "ghost", "data-voice-conv": o.customer_id,
      onclick: () => { switchTab("conversations"); openConversation(o.customer_id); } }, t("voice_conv")));
}

function playVoiceNote(v, o) {
  if (!v.url) { flash(t("audio") + " — " + t("media_fetching")); return; }
  const box = $("voice-player");
  box.replaceChildren(
    el("span", {}, "🎤 #" + o.number + " · " + o.customer),
    el("audio", { src: v.url, controls: true, autoplay: true, preload: "auto", "data-media": v.media_id }),
    el("button", { type: "button", class: "ghost", onclick: closeVoicePlayer }, t("voice_close")));
  box.classList.remove("hidden");
  const a = box.querySelector("audio");
  // Autoplay may be refused until the page had a gesture; the controls are there anyway.
  a.play().catch(() => {});
}

function closeVoicePlayer() {
  const box = $("voice-player");
  const a = box.querySelector("audio");
  if (a) a.pause();
  box.replaceChildren();
  box.classList.add("hidden");
}

// Under a customer's voice note in the conversation (once it is on the device).
function voiceOrderButton(m, conv) {
  if (!conv || m.kind !== "audio" || !m.id || !m.url) return null;
  return el("button", { type: "button", class: "secondary", "data-voice-order": m.id,
    onclick: () => startVoiceOrder(m, conv) }, t("voice_order"));
}

function startVoiceOrder(m, conv) {
  state.voiceOrder = { id: m.id, url: m.url, name: conv.name, phone: conv.phone || "", provider: conv.provider };
  switchTab("new-order");
  renderVoiceOrder();
}

// The form as the voice order wants it: the customer's channel as the only origin, their
// name and phone, and the note itself to listen to while typing.
function renderVoiceOrder() {
  const v = state.voiceOrder;
  const box = $("order-voice");
  const source = $("order-source");
  for (const o of source.querySelectorAll("option[data-chat]")) o.remove();
  for (const o of source.options) o.disabled = !!v;
  if (!v) { box.replaceChildren(); box.classList.add("hidden"); return; }
  source.append(el("option", { value: v.provider, "data-chat": true }, SOURCES[v.provider] || v.provider));
  source.value = v.provider;
  $("order-name").value = v.name || "";
  $("order-phone").value = v.phone;
  box.replaceChildren(
    el("div", {}, "🎤 " + t("voice_order_for") + " " + v.name),
    el("audio", { src: v.url, controls: true, preload: "metadata", "data-media": v.id }),
    el("button", { type: "button", class: "ghost", id: "order-voice-cancel", onclick: clearVoiceOrder }, t("voice_order_cancel")));
  box.classList.remove("hidden");
}

function clearVoiceOrder() {
  state.voiceOrder = null;
  renderVoiceOrder();
  $("order-source").value = "counter";
}

// What the order form adds to its request.
function voiceOrderField() {
  return state.voiceOrder ? { voice_note: state.voiceOrder.id } : {};
}
