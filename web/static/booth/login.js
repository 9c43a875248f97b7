// The QR code on the letter opens /e/<id>/login#code=XXXX-…: fill the code in.
// The fragment never reaches the server, so the code is in no server log.
const match = /^#code=([A-Za-z0-9-]{1,40})$/.exec(window.location.hash);
const field = document.getElementById("code");
if (match && field && !field.value) {
  field.value = match[1];
  history.replaceState(null, "", window.location.pathname + window.location.search);
  document.getElementById("register_number")?.focus();
}
