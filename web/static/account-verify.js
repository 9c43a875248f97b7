// The platform letter's QR code opens /account/verify#code=XXXX-…: fill the code in.
// The fragment never reaches the server, so the code is in no server log. A resident
// who is not logged in is sent to the login page first (the browser keeps the fragment
// over the redirect): the code waits in this tab's sessionStorage until the verify
// page, and is removed from the address bar at once.
const KEY = "evoting-verify-code";
const match = /^#code=([A-Za-z0-9-]{1,40})$/.exec(window.location.hash);
if (match) {
  try {
    sessionStorage.setItem(KEY, match[1]);
  } catch {
    // storage refused (private mode): the code is still filled in below if the field is here
  }
  history.replaceState(null, "", window.location.pathname + window.location.search);
}
const field = document.getElementById("code");
const number = document.getElementById("register_number");
if (field && number) {
  let code = match ? match[1] : null;
  try {
    code = code || sessionStorage.getItem(KEY);
    sessionStorage.removeItem(KEY);
  } catch {
    // no storage: only the fragment's code
  }
  if (code && !field.value) {
    field.value = code;
    number.focus();
  }
}
