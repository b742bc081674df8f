// The check-in page's camera (活动签到): where the browser has a
// BarcodeDetector and a camera, the scan card shows; a tap opens the back
// camera, and the first QR code seen is posted in the page's plain QR
// form. Without either the card stays hidden and staff type the card
// number or look the member up by mobile and surname.
(function () {
  var card = document.getElementById("scan");
  var start = document.getElementById("scan-start");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("qr-form");
  var input = document.getElementById("qr-input");
  if (!card || !start || !video || !form || !input) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var detector;
  try {
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  } catch (e) {
    return;
  }
  card.hidden = false;
  var stream = null;
  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
  }
  function look() {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      if (codes.length > 0 && codes[0].rawValue) {
        input.value = codes[0].rawValue;
        stop();
        form.submit();
        return;
      }
      window.setTimeout(look, 250);
    }, function () {
      window.setTimeout(look, 500);
    });
  }
  start.addEventListener("click", function () {
    if (stream) return;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      status.textContent = status.getAttribute("data-looking");
      return video.play();
    }).then(look, function () {
      stop();
      status.textContent = status.getAttribute("data-denied");
    });
  });
  window.addEventListener("pagehide", stop);
})();
