/* Walaa's storefront widget: <walaa-points> and <walaa-launcher>, web components in Shadow DOM.
   One script, no framework, no inline script or style (styles are constructable stylesheets,
   which a Content-Security-Policy without 'unsafe-inline' allows). Words come from Walaa's
   catalogs, put in below by the server. Shoppers are identified by a token the store's backend
   signs: Walaa.identify(token) / Walaa.logout(), without a reload. */
(function () {
  "use strict";
  var WORDS = __WALAA_WORDS__;
  var script = document.currentScript;
  if (!script || window.Walaa) return;
  var BASE = new URL(script.src).origin;
  var KEY = script.dataset.key || "";
  var state = { token: null, me: null, program: {}, listeners: [] };

  function language() {
    var tag = (script.dataset.locale || document.documentElement.lang || "en").toLowerCase();
    return tag.slice(0, 2) === "ar" ? "ar" : "en";
  }
  function t(text, values) {
    var table = WORDS[language()] || {};
    var out = table[text] || text;
    Object.keys(values || {}).forEach(function (name) {
      out = out.split("{" + name + "}").join(values[name]);
    });
    return out;
  }
  function number(n) { return new Intl.NumberFormat(language()).format(n); }
  function money(amount, currency) {
    return new Intl.NumberFormat(language(), { style: "currency", currency: currency })
      .format(Number(amount));
  }
  function requestKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function api(path, options) {
    options = options || {};
    var headers = { Authorization: "Bearer " + KEY };
    if (state.token) headers["X-Walaa-Shopper"] = state.token;
    var init = { method: options.method || "GET", headers: headers, mode: "cors",
      credentials: "omit" };
    if (options.body) {
      headers["Content-Type"] = "application/json";
      headers["Idempotency-Key"] = requestKey();
      init.body = JSON.stringify(options.body);
    }
    var sep = path.indexOf("?") < 0 ? "?" : "&";
    return fetch(BASE + path + sep + "locale=" + language(), init).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!r.ok) {
          var error = new Error((data && data.detail) || r.statusText);
          error.status = r.status;
          throw error;
        }
        return data;
      });
    });
  }

  /* h("p", {class: "x"}, "text", child): an element, text set as text (never as markup). */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === false || value === null || value === undefined) return;
      if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : value);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function sheet(css) {
    var s = new CSSStyleSheet();
    s.replaceSync(css);
    return s;
  }
  var BASE_CSS = ":host{all:initial;font-family:system-ui,'Segoe UI',Tahoma,sans-serif;" +
    "color:#1f2933;--walaa-brand:#0f766e;--walaa-accent:#f59e0b}" +
    "*{box-sizing:border-box}button{font:inherit;cursor:pointer}";
  var POINTS_CSS = ":host{all:initial;display:inline-block;font:inherit;color:inherit}" +
    ".pts{display:inline-flex;gap:.35em;align-items:center;font-weight:600}" +
    ".pts::before{content:'\\2726';color:var(--walaa-brand,#0f766e)}";
  var PANEL_CSS = ".launcher{position:fixed;inset-block-end:1.25rem;inset-inline-end:1.25rem;" +
    "z-index:2147483000;background:var(--walaa-brand);color:#fff;border:0;border-radius:2rem;" +
    "padding:.8rem 1.2rem;font-weight:700;box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #1d4ed8;" +
    "outline-offset:2px}" +
    ".panel{position:fixed;inset-block-end:5rem;inset-inline-end:1.25rem;z-index:2147483001;" +
    "inline-size:min(24rem,calc(100vw - 2.5rem));max-block-size:min(38rem,calc(100vh - 7rem));" +
    "overflow:auto;background:#fff;border-radius:1rem;box-shadow:0 10px 40px rgba(0,0,0,.3);" +
    "padding:1rem 1.1rem;line-height:1.5}" +
    ".panel[hidden]{display:none}.head{display:flex;justify-content:space-between;" +
    "align-items:center;gap:.5rem}h2{font-size:1.15rem;margin:0}h3{font-size:1rem;" +
    "margin:1rem 0 .4rem}ul{margin:0;padding-inline-start:1.1rem}li{margin-block:.25rem}" +
    ".close{background:none;border:1px solid #9aa5b1;border-radius:.5rem;padding:.2rem .6rem}" +
    ".balance{font-size:1.6rem;font-weight:800;color:var(--walaa-brand);margin:.5rem 0 0}" +
    ".muted{color:#52606d;margin:0}.bar{block-size:.6rem;background:#e4e7eb;border-radius:1rem;" +
    "overflow:hidden;margin-block:.3rem}.fill{block-size:100%;background:var(--walaa-brand)}" +
    ".reward{display:flex;justify-content:space-between;align-items:center;gap:.5rem;" +
    "border:1px solid #d9e2ec;border-radius:.6rem;padding:.5rem .7rem;margin-block:.4rem}" +
    ".primary{background:var(--walaa-brand);color:#fff;border:0;border-radius:.5rem;" +
    "padding:.45rem .8rem;font-weight:600}.primary[disabled]{background:#7b8794}" +
    ".code{display:flex;gap:.5rem;align-items:center;background:#fffbea;border:1px dashed " +
    "#b45309;border-radius:.5rem;padding:.5rem;margin-block:.4rem}.code output{font-family:" +
    "ui-monospace,monospace;font-weight:700;direction:ltr}.actions{display:flex;gap:.5rem;" +
    "flex-wrap:wrap;margin-block-start:.8rem}.actions a{background:var(--walaa-brand);color:#fff;" +
    "text-decoration:none;border-radius:.5rem;padding:.45rem .9rem;font-weight:600}" +
    ".actions a.secondary{background:#fff;color:var(--walaa-brand);border:1px solid " +
    "var(--walaa-brand)}.card svg{inline-size:10rem;block-size:auto}.card output{" +
    "direction:ltr;font-family:ui-monospace,monospace}.error{color:#b91c1c}";

  function brand(host) {
    var b = state.program.branding;
    if (!b) return;
    host.style.setProperty("--walaa-brand", b.primary_colour);
    host.style.setProperty("--walaa-accent", b.accent_colour);
  }

  function program() {
    var lang = language();
    if (!state.program[lang]) {
      state.program[lang] = api("/v1/storefront/program").then(function (p) {
        state.program.branding = p.branding;
        return p;
      });
    }
    return state.program[lang];
  }

  function me() {
    if (!state.token) return Promise.resolve(null);
    if (!state.me) state.me = api("/v1/storefront/me");
    return state.me;
  }

  function changed() {
    state.listeners.forEach(function (listener) { listener(); });
  }

  /* <walaa-points price="37.99" sku="SER-1" categories="serum,face">: "Earn 38 Dew Drops". */
  class WalaaPoints extends HTMLElement {
    static get observedAttributes() { return ["price", "sku", "categories", "product-id"]; }
    connectedCallback() {
      if (!this.shadowRoot) {
        this.attachShadow({ mode: "open" }).adoptedStyleSheets = [sheet(BASE_CSS),
          sheet(POINTS_CSS)];
        this._render = this.render.bind(this);
      }
      state.listeners.push(this._render);
      this.render();
    }
    disconnectedCallback() {
      state.listeners = state.listeners.filter(function (l) { return l !== this._render; }, this);
    }
    attributeChangedCallback() { if (this.shadowRoot) this.render(); }
    render() {
      var price = this.getAttribute("price");
      if (!price) return;
      var query = "?price=" + encodeURIComponent(price);
      ["sku", "categories", "product-id"].forEach(function (name) {
        var value = this.getAttribute(name);
        if (value) query += "&" + name.replace("-", "_") + "=" + encodeURIComponent(value);
      }, this);
      var root = this.shadowRoot;
      api("/v1/storefront/points" + query).then(function (answer) {
        root.replaceChildren(h("span", { class: "pts", part: "text", "aria-live": "polite",
          dir: language() === "ar" ? "rtl" : "ltr" }, answer.text));
      }).catch(function () { root.replaceChildren(); });
    }
  }

  /* <walaa-launcher>: a button that opens the panel (a modal dialog: focus trapped inside,
     Escape closes, focus goes back to the button). */
  class WalaaLauncher extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var root = this.attachShadow({ mode: "open" });
      root.adoptedStyleSheets = [sheet(BASE_CSS), sheet(PANEL_CSS)];
      this.frame = h("div", {});
      this.button = h("button", { class: "launcher", type: "button", "aria-haspopup": "dialog",
        "aria-expanded": "false", "aria-controls": "walaa-panel", onclick: this.toggle.bind(this) });
      this.panel = h("div", { class: "panel", id: "walaa-panel", role: "dialog",
        "aria-modal": "true", "aria-labelledby": "walaa-title", hidden: true,
        onkeydown: this.keys.bind(this) });
      this.frame.append(this.button, this.panel);
      root.append(this.frame);
      state.listeners.push(this.refresh.bind(this));
      new MutationObserver(this.refresh.bind(this)).observe(document.documentElement,
        { attributes: true, attributeFilter: ["lang"] });
      this.refresh();
    }
    refresh() {
      var lang = language();
      this.frame.setAttribute("dir", lang === "ar" ? "rtl" : "ltr");
      this.frame.setAttribute("lang", lang);
      this.button.textContent = t("Rewards");
      var self = this;
      program().then(function () { brand(self); });
      if (!this.panel.hidden) this.fill();
    }
    toggle() { if (this.panel.hidden) this.open(); else this.close(); }
    open() {
      this.panel.hidden = false;
      this.button.setAttribute("aria-expanded", "true");
      this.fill();
    }
    close() {
      this.panel.hidden = true;
      this.button.setAttribute("aria-expanded", "false");
      this.button.focus();
    }
    focusables() {
      return Array.prototype.slice.call(this.panel.querySelectorAll(
        "button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])"));
    }
    keys(event) {
      if (event.key === "Escape") { event.preventDefault(); this.close(); return; }
      if (event.key !== "Tab") return;
      var items = this.focusables();
      if (!items.length) return;
      var active = this.shadowRoot.activeElement;
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && (active === first || !this.panel.contains(active))) {
        event.preventDefault(); last.focus();
      } else if (!event.shiftKey && (active === last || !this.panel.contains(active))) {
        event.preventDefault(); first.focus();
      }
    }
    fill() {
      var self = this, token = state.token;
      Promise.all([program(), me()]).then(function (found) {
        if (token !== state.token) return;
        self.show(found[0], found[1]);
      }).catch(function (error) {
        self.show(null, null, error);
      });
    }
    show(summary, account, error) {
      var wasInside = this.panel.contains(this.shadowRoot.activeElement);
      var title = summary ? t("Rewards at {store}", { store: summary.store_name }) : t("Rewards");
      var head = h("div", { class: "head" }, h("h2", { id: "walaa-title" }, title),
        h("button", { class: "close", type: "button", onclick: this.close.bind(this) },
          t("Close")));
      var body = error ? [h("p", { class: "error", role: "alert" }, t("Rewards are not available right now."))]
        : account ? this.member(summary, account) : this.guest(summary);
      this.panel.replaceChildren.apply(this.panel, [head].concat(body));
      if (!wasInside) head.querySelector("button").focus();
    }
    guest(summary) {
      var out = [h("p", { class: "muted" }, t("Earn {points} on every order and spend them on rewards.",
        { points: summary.points_name })), h("h3", {}, t("How to earn"))];
      out.push(h.apply(null, ["ul", {}].concat(summary.earn.map(function (rule) {
        return h("li", {}, rule.sentence);
      }))));
      out.push(h("p", { class: "muted" }, summary.value));
      var join = script.dataset.joinUrl, signIn = script.dataset.signInUrl;
      out.push(h("div", { class: "actions" },
        join ? h("a", { href: join }, t("Join")) : null,
        signIn ? h("a", { href: signIn, class: "secondary" }, t("Sign in")) : null));
      return out;
    }
    member(summary, me) {
      var self = this, name = me.points_name, out = [];
      out.push(h("p", { class: "balance", "aria-live": "polite" },
        t("{points} {name}", { points: number(me.available), name: name })));
      out.push(h("p", { class: "muted worth" }, t("Worth {money}", { money: money(me.worth.amount,
        me.worth.currency) })));
      if (me.tier) {
        out.push(h("h3", {}, t("Your tier: {tier}", { tier: me.tier.name })));
        out.push(bar(me.tier.progress_percent, me.tier.next_name
          ? t("{percent}% of the way to {tier}", { percent: me.tier.progress_percent,
            tier: me.tier.next_name }) : t("You are at the top tier")));
      }
      if (me.next_reward) {
        out.push(bar(me.next_reward_percent, t("{points} {name} more for {reward}", {
          points: number(me.next_reward.points_short), name: name,
          reward: me.next_reward.name })));
      }
      out.push(h("h3", {}, t("Rewards")));
      me.rewards.forEach(function (reward) {
        var row = h("div", { class: "reward" },
          h("span", {}, reward.name, h("br"), h("small", { class: "muted" },
            t("{points} {name}", { points: number(reward.cost), name: name }))),
          h("button", { class: "primary", type: "button", disabled: !reward.redeemable,
            "aria-label": t("Redeem {reward}", { reward: reward.name }),
            onclick: function () { self.redeem(reward, row); } }, t("Redeem")));
        out.push(row);
      });
      if (me.cause) out.push(h("p", { class: "muted" }, t("Your cause: {cause}", { cause: me.cause })));
      me.games.forEach(function (game) {
        out.push(h("p", { class: "muted" }, t("{game}: {count} plays to use", { game: game.name,
          count: number(game.plays_left) })));
      });
      if (me.alert_threshold) {
        out.push(h("p", { class: "muted" }, t("We tell you of any redemption over {points}.",
          { points: number(me.alert_threshold) })));
      }
      var ext = me.extensions || {};
      if (ext.referral) out.push.apply(out, this.referral(ext.referral));
      if (ext.badges && ext.badges.length) {
        out.push(h("h3", {}, t("Badges")));
        ext.badges.forEach(function (badge) {
          out.push(bar(badge.earned ? 100 : badge.percent, (badge.earned ? "\u2714 " : "") +
            badge.name + " · " + badge.progress));
        });
      }
      out.push(h("h3", {}, t("Member card")));
      var card = h("div", { class: "card" });
      out.push(card, h("button", { class: "primary", type: "button",
        onclick: function () { self.card(card); } }, t("Show my member card")));
      out.push(h("h3", {}, t("History")));
      var history = h("ul", {});
      out.push(history);
      api("/v1/storefront/me/history?limit=5").then(function (page) {
        page.entries.forEach(function (entry) {
          history.append(h("li", {}, (entry.points > 0 ? "+" : "") + number(entry.points) + " · " +
            (entry.explanation[0] || "")));
        });
      }).catch(function () {});
      return out;
    }
    referral(ref) {
      var link = ref.link || ref.code, message = t("Join me and get a welcome gift: {link}",
        { link: link });
      var copy = h("button", { class: "primary", type: "button", onclick: function () {
        if (navigator.clipboard) navigator.clipboard.writeText(link).catch(function () {});
        copy.textContent = t("Copied");
      } }, t("Copy link"));
      var share = h("div", { class: "actions" }, copy,
        h("a", { href: "https://wa.me/?text=" + encodeURIComponent(message), target: "_blank",
          rel: "noopener", class: "secondary" }, "WhatsApp"),
        h("a", { href: "https://twitter.com/intent/tweet?text=" + encodeURIComponent(message),
          target: "_blank", rel: "noopener", class: "secondary" }, "X"));
      if (navigator.share) {
        share.append(h("button", { class: "primary", type: "button", onclick: function () {
          navigator.share({ text: message }).catch(function () {});
        } }, t("Share")));
      }
      return [h("h3", {}, t("Invite a friend")), h("p", { class: "muted" },
        t("Your code: {code}", { code: ref.code })), share];
    }
    redeem(reward, row) {
      var self = this, button = row.querySelector("button");
      button.disabled = true;
      api("/v1/storefront/me/redemptions", { method: "POST", body: { reward_id: reward.id } })
        .then(function (done) {
          var code = h("output", {}, done.code);
          var copy = h("button", { class: "primary", type: "button", onclick: function () {
            if (navigator.clipboard) navigator.clipboard.writeText(done.code).catch(function () {});
            copy.textContent = t("Copied");
          } }, t("Copy"));
          row.after(h("div", { class: "code", role: "status" }, t("Your code:"), code, copy));
          state.me = null;
          copy.focus();
          me().then(function (account) {  // the new balance, keeping the code on screen
            self.panel.querySelector(".balance").textContent = t("{points} {name}",
              { points: number(account.available), name: account.points_name });
            self.panel.querySelector(".worth").textContent = t("Worth {money}",
              { money: money(account.worth.amount, account.worth.currency) });
          }).catch(function () {});
        }).catch(function (error) {
          row.after(h("p", { class: "error", role: "alert" }, error.message));
          button.disabled = false;
        });
    }
    card(box) {
      var self = this;
      api("/v1/storefront/me/card").then(function (card) {
        var svg = new DOMParser().parseFromString(card.qr_svg, "image/svg+xml").documentElement;
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", t("Member card QR code"));
        box.replaceChildren(document.importNode(svg, true), h("br"), h("output", {}, card.text),
          h("p", { class: "muted" }, t("Show this at the till. It changes every 30 seconds.")));
        clearTimeout(self.cardTimer);
        var wait = Math.max(new Date(card.valid_until) - Date.now(), 1000);
        self.cardTimer = setTimeout(function () {
          if (!self.panel.hidden && box.isConnected) self.card(box);
        }, wait);
      }).catch(function (error) { box.replaceChildren(h("p", { class: "error" }, error.message)); });
    }
  }

  function bar(percent, label) {
    var fill = h("div", { class: "fill" });
    fill.style.inlineSize = Math.max(0, Math.min(100, percent)) + "%";
    return h("div", {}, h("p", { class: "muted" }, label),
      h("div", { class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
        "aria-valuenow": String(percent), "aria-label": label }, fill));
  }

  customElements.define("walaa-points", WalaaPoints);
  customElements.define("walaa-launcher", WalaaLauncher);

  window.Walaa = {
    /* Sign the shopper in without a reload; resolves with their account, rejects (and stays a
       guest) when Walaa refuses the token. */
    identify: function (token) {
      state.token = token;
      state.me = null;
      var account = me();
      changed();
      return account.then(function (found) {
        document.dispatchEvent(new CustomEvent("walaa:identified", { detail: found }));
        return found;
      }, function (error) {
        if (state.token === token) { state.token = null; state.me = null; changed(); }
        document.dispatchEvent(new CustomEvent("walaa:refused", { detail: error.message }));
        throw error;
      });
    },
    logout: function () {
      state.token = null;
      state.me = null;
      changed();
    },
  };

  function start() {
    if (script.dataset.launcher !== "false" && !document.querySelector("walaa-launcher")) {
      document.body.append(document.createElement("walaa-launcher"));
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
