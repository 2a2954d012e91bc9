(function () {
  'use strict';
  function relay(iframe) {
    var origin = iframe.getAttribute('data-toopher-origin');
    var postback = iframe.getAttribute('data-toopher-postback');
    if (!origin || !postback) return;
    var target;
    try {
      target = new URL(postback, window.location.href);
    } catch (e) {
      return;
    }
    if (target.origin !== window.location.origin) return;
    var done = false;
    window.addEventListener('message', function (event) {
      if (done || event.origin !== origin || event.source !== iframe.contentWindow) return;
      if (typeof event.data !== 'string') return;
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!message || message.status !== 'toopher-api-complete' || typeof message.payload !== 'object' || message.payload === null) return;
      var data = new URLSearchParams();
      for (var key in message.payload) {
        if (Object.prototype.hasOwnProperty.call(message.payload, key) && typeof message.payload[key] === 'string') {
          data.append(key, message.payload[key]);
        }
      }
      done = true;
      var form = document.createElement('form');
      form.method = 'post';
      form.action = target.href;
      form.hidden = true;
      function field(name, value) {
        var input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.appendChild(input);
      }
      field('toopher_iframe_data', data.toString());
      var csrf = iframe.getAttribute('data-toopher-csrf');
      if (csrf) field('_csrf', csrf);
      document.body.appendChild(form);
      form.submit();
    });
  }
  var frames = document.querySelectorAll('iframe[data-toopher-postback]');
  for (var i = 0; i < frames.length; i++) relay(frames[i]);
})();
