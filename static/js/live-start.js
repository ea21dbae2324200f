/* Live start page: the camera picker (camera-picker.js) searches the cameras one may watch and keeps the ticked ones;
   here the layout follows the number chosen, and the page shows what the access decision says for each chosen camera
   and the purpose as soon as either changes.
   Everything also works without this file (Search and Check are ordinary submit buttons); all texts come from
   the page, already translated. */
(function () {
  "use strict";

  var form = document.getElementById("live-start");
  if (!form) {
    return;
  }
  var previewUrl = form.getAttribute("data-preview-url");
  var picker = form.querySelector("[data-camera-picker]");
  var purpose = form.querySelector('select[name="purpose"]');
  var decisions = document.getElementById("decision-list");
  var checkButton = document.getElementById("check-decision");
  var sequence = 0;
  var timer = null;

  function getJson(url, params) {
    return fetch(url + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    });
  }

  function chosenIds() {
    return window.CameraPicker.chosenIds(picker);
  }

  /* The smallest layout that holds the ticked cameras (one camera alone, a wall of 4, a wall of 9). */
  function fitLayout() {
    var count = chosenIds().length;
    var radios = Array.prototype.slice.call(form.querySelectorAll('input[name="layout"]'));
    var current = radios.filter(function (radio) {
      return radio.checked;
    })[0];
    if (current && Number(current.value) >= count) {
      return;
    }
    radios.some(function (radio) {
      if (Number(radio.value) >= count) {
        radio.checked = true;
        return true;
      }
      return false;
    });
  }

  function showDecisions(data) {
    decisions.textContent = "";
    data.results.forEach(function (row) {
      var item = document.createElement("li");
      var name = document.createElement("strong");
      item.className = row.allowed === null ? "pending" : row.allowed ? "allowed" : "refused";
      name.textContent = row.name;
      item.appendChild(name);
      item.appendChild(document.createTextNode(" (" + row.owner + "): " + row.text));
      decisions.appendChild(item);
    });
  }

  function updateDecisions() {
    var ids = chosenIds();
    var mine = ++sequence;
    if (!ids.length) {
      return;
    }
    var params = new URLSearchParams({ purpose: purpose.value });
    ids.forEach(function (id) {
      params.append("cameras", id);
    });
    getJson(previewUrl, params)
      .then(function (data) {
        if (mine === sequence) {
          showDecisions(data);
        }
      })
      .catch(function () {
        /* the Check button still asks the server */
      });
  }

  function scheduleDecisions() {
    window.clearTimeout(timer);
    timer = window.setTimeout(updateDecisions, 200);
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "cameras") {
      /* the picker has already moved a ticked match to the chosen list */
      fitLayout();
      scheduleDecisions();
    } else if (event.target === purpose) {
      scheduleDecisions();
    }
  });
  if (checkButton) {
    checkButton.hidden = true; /* the answers follow the choices by themselves */
  }
})();
