/* What the live watch page (live.js) and the playback page (playback.js) share about their players: reading the
   playlist once with fetch before playing, setting up hls.js (without its worker, so the CSP needs no blob: worker)
   or the browser's own HLS, telling a refusal (401/403 from the relay or the portal) from other errors, stopping a
   player, and the heartbeat's renew request. Each page keeps its own tiles, retries and ending; this file only
   offers window.HlsPlayer and must load before them (after vendor/hls.min.js). */
(function () {
  "use strict";

  /* The page's CSRF token (from a stop form's hidden input), for the renew POST. */
  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  /* A response's JSON body, or {} when it has none (segments, proxies' error pages). */
  function body(response) {
    return response.json().catch(function () {
      return {};
    });
  }

  /* Ask for the playlist once, uncached, so that the answer (200, 503 with a message, 401/403...) is read plainly. */
  function probe(playlist) {
    return fetch(playlist, { credentials: "same-origin", cache: "no-store" });
  }

  /* POST the heartbeat: resolves with { response, body } ({} if not JSON); rejects if the portal is unreachable. */
  function renew(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return body(response).then(function (data) {
        return { response: response, body: data };
      });
    });
  }

  /* Play the playlist in the video element. With hls.js, config is added to { enableWorker: false } and the
     handlers are called: denied(data) on a 401/403 for any playlist or segment, fatal(data) on another fatal error,
     parsed() once the playlist is read. Otherwise, if the browser plays HLS itself, native(video) is called after
     the source is set. Returns the hls.js instance, null for the browser's own player, or false if the video
     cannot be played here. */
  function attach(video, playlist, config, handlers) {
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls(Object.assign({ enableWorker: false }, config));
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        var code = data.response && data.response.code;
        if (code === 401 || code === 403) {
          handlers.denied(data);
        } else if (data.fatal) {
          handlers.fatal(data);
        }
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
        handlers.parsed();
      });
      hls.loadSource(playlist);
      hls.attachMedia(video);
      return hls;
    }
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = playlist;
      handlers.native(video);
      return null;
    }
    return false;
  }

  /* Stop a player and let go of its source (hls may be null). */
  function stop(video, hls) {
    if (hls) {
      hls.destroy();
    }
    video.pause();
    video.removeAttribute("src");
    video.load();
  }

  /* Show a message in a tile's state line (hidden when empty). */
  function say(state, message) {
    state.textContent = message;
    state.hidden = !message;
  }

  /* Mark a tile as ended (the class and the attribute the pages and their tests look for) and say why. */
  function showEnded(element, state, message) {
    element.classList.add("ended");
    element.setAttribute("data-ended", "true");
    say(state, message);
  }

  window.HlsPlayer = {
    attach: attach,
    body: body,
    csrfToken: csrfToken,
    probe: probe,
    renew: renew,
    say: say,
    showEnded: showEnded,
    stop: stop,
  };
})();
