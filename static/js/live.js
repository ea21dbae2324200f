/* Watch page: one hls.js player per camera tile, a heartbeat that renews each session, and a clear end.

   Each tile carries its playlist address and renew address in data-* attributes (no inline script: strict CSP).
   Before a player starts, the playlist is asked for once with fetch, so that the relay's answers are read
   plainly: 200 plays; 503 (starting, or the camera is down) shows the relay's message and tries again with a
   growing delay; 401/403 means the access has ended, and the portal says why (the renew answer). While playing,
   a 401/403 from the relay on any playlist or segment ends the tile the same way. The player set-up, the playlist
   check and the renew request are shared with the playback page (hls-player.js). All texts come from the page,
   already translated. */
(function () {
  "use strict";

  var player = window.HlsPlayer;
  var wall = document.getElementById("live-wall");
  if (!wall) {
    return;
  }
  var HEARTBEAT_MS = Math.max(5, Number(wall.getAttribute("data-heartbeat-seconds")) || 15) * 1000;
  var RETRY_MIN_MS = 1000;
  var RETRY_MAX_MS = 10000;

  function text(name) {
    return wall.getAttribute("data-text-" + name) || "";
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var two = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return (hours ? hours + ":" + two(minutes) : String(minutes)) + ":" + two(rest);
  }

  function Tile(element) {
    this.element = element;
    this.video = element.querySelector("video");
    this.state = element.querySelector("[data-state]");
    this.tokenLeft = element.querySelector("[data-time-token]");
    this.maxLeft = element.querySelector("[data-time-max]");
    this.playlist = element.getAttribute("data-playlist");
    this.renewUrl = element.getAttribute("data-renew-url");
    this.hls = null;
    this.ended = false;
    this.retryDelay = RETRY_MIN_MS;
    this.retryTimer = null;
    this.checking = false;
    this.setDeadlines(Number(element.getAttribute("data-expires-in")), Number(element.getAttribute("data-max-in")));
  }

  Tile.prototype.say = function (message) {
    player.say(this.state, message);
  };

  Tile.prototype.setDeadlines = function (expiresIn, maxIn) {
    var now = Date.now();
    this.tokenDeadline = now + expiresIn * 1000;
    this.maxDeadline = now + maxIn * 1000;
    this.tick();
  };

  Tile.prototype.tick = function () {
    if (this.ended) {
      return;
    }
    var now = Date.now();
    if (this.tokenLeft) {
      this.tokenLeft.textContent = duration((this.tokenDeadline - now) / 1000);
    }
    if (this.maxLeft) {
      this.maxLeft.textContent = duration((this.maxDeadline - now) / 1000);
    }
    if (now >= this.maxDeadline) {
      this.checkEnded();
    }
  };

  Tile.prototype.stopPlayer = function () {
    window.clearTimeout(this.retryTimer);
    player.stop(this.video, this.hls);
    this.hls = null;
  };

  Tile.prototype.end = function (message) {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.stopPlayer();
    player.showEnded(this.element, this.state, message || text("ended"));
    this.element.querySelectorAll(".tile-times, [data-stop]").forEach(function (element) {
      element.hidden = true;
    });
    if (!document.querySelector(".live-tile:not([data-ended])[data-playlist]")) {
      document.querySelectorAll("[data-stop-all]").forEach(function (button) {
        button.hidden = true;
      });
    }
  };

  Tile.prototype.retryLater = function (message, seconds) {
    var self = this;
    this.stopPlayer();
    var delay = seconds ? Math.min(seconds * 1000, RETRY_MAX_MS) : this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.say((message ? message + " " : "") + text("retry"));
    this.retryTimer = window.setTimeout(function () {
      self.start();
    }, delay);
  };

  /* Ask the portal whether the session still stands (renewing it): ends the tile with the reason if not. */
  Tile.prototype.renew = function () {
    var self = this;
    if (this.ended || !this.renewUrl) {
      return Promise.resolve(false);
    }
    return player
      .renew(this.renewUrl)
      .then(function (answer) {
        var response = answer.response;
        var body = answer.body;
        if (response.ok && body.open) {
          self.setDeadlines(body.expires_in, body.max_in);
          return true;
        }
        if (response.status === 409 || response.status === 404 || response.status === 403) {
          self.end(body.message);
          return false;
        }
        return true; /* the portal is busy: the token has a minute of margin */
      })
      .catch(function () {
        return true;
      });
  };

  Tile.prototype.checkEnded = function () {
    var self = this;
    if (this.checking) {
      return;
    }
    this.checking = true;
    this.renew().then(function (open) {
      self.checking = false;
      if (open && !self.ended) {
        self.retryLater("");
      }
    });
  };

  Tile.prototype.start = function () {
    var self = this;
    if (this.ended) {
      return;
    }
    this.say(text("starting"));
    player
      .probe(this.playlist)
      .then(function (response) {
        if (response.ok) {
          self.play();
          return;
        }
        if (response.status === 401 || response.status === 403) {
          self.checkEnded();
          return;
        }
        var retryAfter = Number(response.headers.get("Retry-After")) || 0;
        return player.body(response).then(function (body) {
          self.retryLater(body.message || "", retryAfter);
        });
      })
      .catch(function () {
        self.retryLater(text("network"));
      });
  };

  Tile.prototype.play = function () {
    var self = this;
    var hls = player.attach(
      this.video,
      this.playlist,
      { liveSyncDurationCount: 2, backBufferLength: 10 },
      {
        denied: function () {
          self.stopPlayer();
          self.checkEnded();
        },
        fatal: function (data) {
          var message = "";
          try {
            message = JSON.parse(data.networkDetails.responseText).message || "";
          } catch (ignored) {
            /* segments are binary; the next attempt's playlist check reads the relay's message */
          }
          self.retryLater(message);
        },
        parsed: function () {
          self.video.play().catch(function () {});
        },
        native: function (video) {
          video.addEventListener("error", function () {
            self.checkEnded();
          });
          video.play().catch(function () {});
        },
      }
    );
    if (hls === false) {
      this.say(text("unavailable"));
    } else {
      this.hls = hls;
    }
  };

  var tiles = [];
  wall.querySelectorAll(".live-tile[data-playlist]").forEach(function (element) {
    var tile = new Tile(element);
    tile.video.addEventListener("playing", function () {
      tile.retryDelay = RETRY_MIN_MS;
      tile.say("");
    });
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
  }, 1000);
  window.setInterval(function () {
    tiles.forEach(function (tile) {
      tile.renew();
    });
  }, HEARTBEAT_MS);
})();
