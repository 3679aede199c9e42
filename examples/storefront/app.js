// The shop's own script: signing in asks the shop's backend for a shopper token and hands it
// to Walaa, without a reload, as a single-page storefront does.
var arabic = document.documentElement.lang === "ar";
var signIn = document.getElementById("sign-in");
var signOut = document.getElementById("sign-out");
var who = document.getElementById("who");

signIn.addEventListener("click", function () {
  fetch("/token").then(function (r) { return r.text(); }).then(function (token) {
    return window.Walaa.identify(token);
  }).then(function () {
    who.textContent = arabic ? "مسجّلة الدخول: أمل" : "Signed in as Amal";
    signIn.hidden = true;
    signOut.hidden = false;
  });
});

signOut.addEventListener("click", function () {
  window.Walaa.logout();
  who.textContent = arabic ? "تتصفح زائرًا" : "Browsing as a guest";
  signIn.hidden = false;
  signOut.hidden = true;
});
