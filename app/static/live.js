// Live session page: the Q&A chat in real time over Server-Sent Events (EventSource).
// Without this script the page still works: forms post and the page reloads.
// Messages are inserted with textContent only (never innerHTML): a message is plain text.
(() => {
  "use strict";
  const chat = document.getElementById("chat");
  if (!chat || !window.EventSource || !window.fetch) {
    return;
  }
  const labels = JSON.parse(document.getElementById("live-labels").textContent);
  const template = document.getElementById("live-message-template");
  const list = document.getElementById("live-messages");
  const pinnedList = document.getElementById("live-pinned");
  const statusLine = document.getElementById("live-status");
  const errorLine = document.getElementById("live-error");
  const emptyLine = document.getElementById("live-empty");
  const askForm = document.getElementById("live-ask");
  const mutedLine = document.getElementById("live-muted");
  const me = chat.dataset.userId;
  const moderator = chat.dataset.moderator === "1";
  const buyer = chat.dataset.canRequest === "1";
  const clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", timeZone: chat.dataset.timezone || undefined,
  });

  const show = (element, visible) => element && element.classList.toggle("is-empty", !visible);

  function setToggle(form, on, onLabel, offLabel) {
    // `on` is what the button does next: "1" pins/hides/mutes, "0" undoes.
    if (!form) return;
    form.querySelector('input[name="on"]').value = on ? "1" : "0";
    form.querySelector("button").textContent = on ? onLabel : offLabel;
  }

  function build(message) {
    const item = template.content.firstElementChild.cloneNode(true);
    item.id = "m-" + message.id;
    item.dataset.id = message.id;
    item.dataset.author = message.author_id || "";
    item.querySelectorAll("form, a.request-link").forEach((node) => {
      const attribute = node.tagName === "FORM" ? "action" : "href";
      node.setAttribute(attribute, node.getAttribute(attribute)
        .replace("/messages/0/", "/messages/" + message.id + "/")
        .replace("/users/0/", "/users/" + (message.author_id || 0) + "/"));
    });
    const replyTo = item.querySelector('input[name="reply_to"]');
    if (replyTo) replyTo.value = message.id;
    const answerBody = item.querySelector(".answer-form textarea");
    if (answerBody) {
      answerBody.id = "answer-" + message.id;
      item.querySelector(".answer-form label").htmlFor = answerBody.id;
    }
    if (message.kind !== "question") {
      item.querySelector(".answer-box")?.remove();
    }
    if (message.role !== "viewer" || !message.author_id) {
      item.querySelector(".mute-form")?.remove();
    }
    if (!(buyer && message.kind === "question" && String(message.author_id) === me)) {
      item.querySelector(".request-link")?.remove();
    }
    item.querySelector(".kind-label").textContent = labels.kinds[message.kind] || "";
    item.querySelector(".author").textContent = message.author;
    const role = item.querySelector(".role");
    role.textContent = labels.roles[message.role] || "";
    show(role, Boolean(labels.roles[message.role]));
    const time = item.querySelector("time");
    time.dateTime = message.created_at;
    time.textContent = clock.format(new Date(message.created_at));
    item.querySelector(".body").textContent = message.body;
    item.classList.add("kind-" + message.kind);
    return item;
  }

  function applyState(item, message) {
    item.classList.toggle("is-hidden", message.hidden);
    item.classList.toggle("is-pinned", message.pinned);
    setToggle(item.querySelector(":scope > .controls .pin-form"), !message.pinned,
      labels.pin, labels.unpin);
    setToggle(item.querySelector(":scope > .controls .hide-form"), !message.hidden,
      labels.hide, labels.show);
  }

  function place(item, message) {
    const question = message.kind === "answer" && document.getElementById("m-" + message.reply_to);
    (question ? question.querySelector(":scope > .answers") : list).append(item);
  }

  function renderPinned() {
    pinnedList.replaceChildren(...Array.from(list.querySelectorAll(".live-message.is-pinned"))
      .map((item) => {
        const line = document.createElement("li");
        line.dataset.id = item.dataset.id;
        const author = document.createElement("strong");
        author.textContent = item.querySelector(".author").textContent ||
          item.querySelector(".role").textContent;
        line.append(author, " ", item.querySelector(".body").textContent);
        return line;
      }));
  }

  function upsert(message) {
    let item = document.getElementById("m-" + message.id);
    if (message.hidden && !moderator) {
      item?.remove();
    } else {
      if (!item) {
        item = build(message);
        const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
        place(item, message);
        if (nearBottom) list.scrollTop = list.scrollHeight;
      }
      applyState(item, message);
    }
    show(emptyLine, !list.querySelector(".live-message"));
    renderPinned();
  }

  function hide(messageId) {
    const item = document.getElementById("m-" + messageId);
    if (!item) return;
    if (moderator) {
      item.classList.add("is-hidden");
      item.classList.remove("is-pinned");
      setToggle(item.querySelector(":scope > .controls .hide-form"), false, labels.hide,
        labels.show);
      setToggle(item.querySelector(":scope > .controls .pin-form"), true, labels.pin,
        labels.unpin);
    } else {
      item.remove();
    }
    show(emptyLine, !list.querySelector(".live-message"));
    renderPinned();
  }

  function pinListing(listingId) {
    const products = document.querySelector(".live-products");
    document.querySelectorAll(".live-product").forEach((card) => {
      const pinned = String(listingId) === card.dataset.listingId;
      card.classList.toggle("is-pinned", pinned);
      const form = card.querySelector(".listing-pin-form");
      if (form) {
        form.querySelector('input[name="listing"]').value = pinned ? "" : card.dataset.listingId;
        form.querySelector("button").textContent = pinned ? labels.unpinProduct : labels.pinProduct;
      }
      if (pinned && products) products.prepend(card);
    });
  }

  function mute(userId, muted) {
    if (String(userId) === me) {
      show(mutedLine, muted);
      show(askForm, !muted);
    }
    document.querySelectorAll('.live-message[data-author="' + userId + '"]').forEach((item) => {
      setToggle(item.querySelector(":scope > .controls .mute-form"), !muted, labels.mute,
        labels.unmute);
    });
  }

  const handlers = {
    message: (data) => upsert(data.message),
    unhide: (data) => upsert(data.message),
    pin: (data) => upsert(data.message),
    unpin: (data) => upsert(data.message),
    hide: (data) => hide(data.message_id),
    listing: (data) => pinListing(data.listing_id),
    mute: (data) => mute(data.user_id, true),
    unmute: (data) => mute(data.user_id, false),
  };

  // The browser reconnects on its own and sends Last-Event-ID: the server replays what was
  // missed. `after` only matters for the first connection.
  const source = new EventSource(chat.dataset.stream + "?after=" + chat.dataset.after);
  Object.entries(handlers).forEach(([type, handle]) => {
    source.addEventListener(type, (event) => handle(JSON.parse(event.data)));
  });
  source.addEventListener("open", () => {
    statusLine.textContent = labels.connected;
    chat.dataset.connected = "1";
  });
  source.addEventListener("error", () => {
    statusLine.textContent = labels.reconnecting;
    chat.dataset.connected = "0";
  });

  // Posting and moderating: a normal form POST, sent by fetch with the CSRF header.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-live]");
    if (!form) return;
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    show(errorLine, false);
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-CSRFToken": chat.dataset.csrf, Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        errorLine.textContent = data.error || labels.failed;
        show(errorLine, true);
        return;
      }
      if (data.message) upsert(data.message);
      if ("listing_id" in data) pinListing(data.listing_id);
      if ("muted" in data) mute(data.user_id, data.muted);
      const body = form.querySelector("textarea");
      if (body) body.value = "";
      form.closest("details")?.removeAttribute("open");
    } catch (error) {
      errorLine.textContent = labels.failed;
      show(errorLine, true);
    } finally {
      button.disabled = false;
    }
  });
})();
