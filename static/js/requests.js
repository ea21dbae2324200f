/* Footage requests.
   New request page: the camera picker (camera-picker.js) searches the shared cameras and keeps the ticked ones; here
   the page asks the access decision (nothing is logged) whenever the request changes; Submit is enabled only while
   the latest check allows every camera. The prosecutor's fields are marked required and the break-glass choice is
   offered when the check says so.
   Detail page: poll the evidence package's progress every second or two and show the download button once ready.
   Everything also works without this file (Search, Check and a reload are ordinary requests); all texts come from
   the page, already translated. */
(function () {
  "use strict";

  function getJson(url, params) {
    return fetch(params ? url + "?" + params.toString() : url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    });
  }

  /* --- New request ------------------------------------------------------------------------------------------- */

  function newRequestPage(form) {
    var previewUrl = form.getAttribute("data-preview-url");
    var picker = form.querySelector("[data-camera-picker]");
    var decisions = document.getElementById("decision-list");
    var state = document.getElementById("decision-state");
    var checked = document.getElementById("checked");
    var submit = document.getElementById("submit-request");
    var checkButton = document.getElementById("check-request");
    var fourEyes = document.getElementById("four-eyes-note");
    var prosecutor = document.getElementById("prosecutor-section");
    var breakGlass = document.getElementById("break-glass-section");
    var breakGlassBox = form.querySelector('input[name="break_glass"]');
    var breakGlassText = document.getElementById("break-glass-text");
    var facts = ["cameras", "window_start", "window_end", "purpose", "mode", "prosecutor_reference", "break_glass"];
    var sequence = 0;
    var timer = null;

    function text(name) {
      return form.getAttribute("data-text-" + name) || "";
    }

    function chosenIds() {
      return window.CameraPicker.chosenIds(picker);
    }

    function value(name) {
      var field = form.elements.namedItem(name);
      if (!field) {
        return "";
      }
      if (field instanceof RadioNodeList) {
        return field.value;
      }
      if (field.type === "checkbox") {
        return field.checked ? "on" : "";
      }
      return field.value;
    }

    function lock(message) {
      checked.value = "";
      submit.disabled = true;
      decisions.classList.add("stale");
      state.textContent = message;
    }

    function showCheck(data) {
      decisions.textContent = "";
      decisions.classList.remove("stale");
      data.results.forEach(function (row) {
        var item = document.createElement("li");
        var name = document.createElement("strong");
        item.className = row.allowed ? "allowed" : "refused";
        item.setAttribute("data-camera", String(row.id));
        name.textContent = row.name;
        item.appendChild(name);
        item.appendChild(document.createTextNode(" (" + row.owner + "): " + row.text));
        decisions.appendChild(item);
      });
      var errors = Object.keys(data.errors || {}).map(function (name) {
        return data.errors[name].join(" ");
      });
      state.textContent = errors.length ? errors.join(" ") : data.missing;
      fourEyes.hidden = !data.four_eyes;
      prosecutor.setAttribute("data-required", data.prosecutor_required ? "true" : "false");
      document.getElementById("prosecutor-required").hidden = !data.prosecutor_required;
      document.getElementById("prosecutor-optional").hidden = data.prosecutor_required;
      if (data.emergency) {
        breakGlassText.textContent = text("emergency")
          .replace("%(convention)s", data.emergency.convention)
          .replace("%(max)s", String(data.emergency.max_hours))
          .replace("%(review)s", String(data.emergency.review_hours));
        breakGlass.hidden = false;
      } else {
        breakGlass.hidden = true;
        if (breakGlassBox && breakGlassBox.checked) {
          breakGlassBox.checked = false;
          schedule();
        }
      }
      checked.value = data.all_allowed ? data.fingerprint : "";
      submit.disabled = !data.all_allowed;
    }

    function check() {
      var mine = ++sequence;
      var params = new URLSearchParams();
      facts.forEach(function (name) {
        if (name === "cameras") {
          chosenIds().forEach(function (id) {
            params.append("cameras", id);
          });
        } else if (value(name)) {
          params.append(name, value(name));
        }
      });
      state.textContent = text("checking");
      getJson(previewUrl, params)
        .then(function (data) {
          if (mine === sequence) {
            showCheck(data);
          }
        })
        .catch(function () {
          if (mine === sequence) {
            state.textContent = text("error");
          }
        });
    }

    function schedule() {
      lock(text("stale"));
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 300);
    }

    form.addEventListener("change", function (event) {
      /* a ticked match is already in the chosen list: the picker saw the change first */
      if (facts.indexOf(event.target.name) >= 0) {
        schedule();
      }
    });
    form.addEventListener("input", function (event) {
      if (event.target.name === "prosecutor_reference") {
        schedule();
      }
    });
    checkButton.addEventListener("click", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      check();
    });
  }

  /* --- Evidence package progress ----------------------------------------------------------------------------- */

  function follow(panel) {
    var url = panel.getAttribute("data-progress-url");
    var every = Number(panel.getAttribute("data-poll-ms")) || 1500;
    var bar = panel.querySelector("[data-export-bar]");
    var percent = panel.querySelector("[data-export-percent]");
    var status = panel.querySelector("[data-export-status]");
    var step = panel.querySelector("[data-export-step]");
    var error = panel.querySelector("[data-export-error]");
    var download = panel.querySelector("[data-export-download]");

    function show(data) {
      bar.value = data.progress;
      bar.textContent = data.progress + " %";
      percent.textContent = data.progress + " %";
      status.textContent = data.status_label;
      step.textContent = data.step;
      error.textContent = data.error;
      error.hidden = !data.error;
      panel.setAttribute("data-status", data.status);
      if (download) {
        download.hidden = !data.downloadable;
      }
      if (data.done) {
        panel.setAttribute("data-done", "true");
      }
    }

    function poll() {
      getJson(url)
        .then(function (data) {
          show(data);
          if (!data.done) {
            window.setTimeout(poll, every);
          }
        })
        .catch(function () {
          window.setTimeout(poll, every * 4);
        });
    }

    if (panel.getAttribute("data-done") !== "true") {
      window.setTimeout(poll, every);
    }
  }

  var form = document.getElementById("request-new");
  if (form) {
    newRequestPage(form);
  }
  document.querySelectorAll(".export[data-progress-url]").forEach(follow);
})();
