/* Playback page: one hls.js player per camera of an approved footage request (a VOD playlist of the approved
   window), the wall-clock time of the footage under each player, and a heartbeat that renews the playback key.

   Each tile carries its playlist address in a data-* attribute (no inline script: strict CSP). The playlist is
   asked for once with fetch, so the portal's answers are read plainly: 200 plays; 404 says there is no footage
   in the window; 401/403 means the access has ended (the heartbeat says why). While playing, a 401/403 on any
   segment ends every tile. The player set-up, the playlist check and the renew request are shared with the live
   watch page (hls-player.js). All texts come from the page, already translated. */
(function () {
  "use strict";

  var player = window.HlsPlayer;
  var wall = document.getElementById("playback-wall");
  if (!wall) {
    return;
  }
  var HEARTBEAT_MS = Math.max(5, Number(wall.getAttribute("data-heartbeat-seconds")) || 30) * 1000;
  var renewUrl = wall.getAttribute("data-renew-url");
  var tiles = [];
  var ended = false;

  function text(name) {
    return wall.getAttribute("data-text-" + name) || "";
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function clock(date) {
    return (
      date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " +
      two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds())
    );
  }

  function Tile(element) {
    this.element = element;
    this.video = element.querySelector("video");
    this.state = element.querySelector("[data-state]");
    this.time = element.querySelector("[data-footage-time]");
    this.playlist = element.getAttribute("data-playlist");
    this.hls = null;
    this.retries = 0;
  }

  Tile.prototype.say = function (message) {
    player.say(this.state, message);
  };

  Tile.prototype.stopPlayer = function () {
    player.stop(this.video, this.hls);
    this.hls = null;
  };

  Tile.prototype.end = function (message) {
    this.stopPlayer();
    player.showEnded(this.element, this.state, message || text("ended"));
  };

  Tile.prototype.tick = function () {
    var date = this.hls && this.hls.playingDate;
    if (date && this.time) {
      this.time.textContent = clock(date);
    }
  };

  Tile.prototype.start = function () {
    var self = this;
    this.say(text("loading"));
    player
      .probe(this.playlist)
      .then(function (response) {
        if (response.ok) {
          self.play();
          return;
        }
        return player.body(response).then(function (body) {
          if (response.status === 401 || response.status === 403) {
            endAll(body.message);
          } else if (response.status === 404) {
            self.say(body.message || "");
          } else {
            self.retryLater(body.message || "");
          }
        });
      })
      .catch(function () {
        self.retryLater(text("network"));
      });
  };

  Tile.prototype.retryLater = function (message) {
    var self = this;
    this.stopPlayer();
    this.retries += 1;
    this.say(message);
    window.setTimeout(function () {
      if (!ended) {
        self.start();
      }
    }, Math.min(10000, 1000 * this.retries));
  };

  Tile.prototype.play = function () {
    var self = this;
    var hls = player.attach(
      this.video,
      this.playlist,
      { startPosition: 0 },
      {
        denied: function () {
          renew();
          endAll("");
        },
        fatal: function () {
          self.retryLater("");
        },
        parsed: function () {
          self.say("");
        },
        native: function () {
          self.say("");
        },
      }
    );
    if (hls === false) {
      this.say(text("unavailable"));
    } else {
      this.hls = hls;
    }
  };

  function endAll(message) {
    if (ended) {
      return;
    }
    ended = true;
    tiles.forEach(function (tile) {
      tile.end(message);
    });
    document.querySelectorAll("[data-stop]").forEach(function (button) {
      button.hidden = true;
    });
  }

  /* Renew the playback key; if the access has ended, every tile says why. */
  function renew() {
    if (ended || !renewUrl) {
      return;
    }
    player
      .renew(renewUrl)
      .then(function (answer) {
        var response = answer.response;
        if (!(response.ok && answer.body.open) && (response.status === 409 || response.status === 403)) {
          endAll(answer.body.message);
        }
      })
      .catch(function () {});
  }

  wall.querySelectorAll(".live-tile[data-playlist]").forEach(function (element) {
    var tile = new Tile(element);
    tiles.push(tile);
    tile.start();
  });
  if (!tiles.length) {
    return;
  }
  window.setInterval(function () {
    tiles.forEach(function (tile) {
      tile.tick();
    });
  }, 500);
  window.setInterval(renew, HEARTBEAT_MS);
})();
