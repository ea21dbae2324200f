/* Live start page: search the cameras one may watch without reloading, keep the ticked ones in the chosen list,
   and show what the access decision says for each chosen camera and the purpose as soon as either changes.
   Everything also works without this file (Search and Check are ordinary submit buttons); all texts come from
   the page, already translated. */
(function () {
  "use strict";

  var form = document.getElementById("live-start");
  if (!form) {
    return;
  }
  var searchUrl = form.getAttribute("data-search-url");
  var previewUrl = form.getAttribute("data-preview-url");
  var chosen = document.getElementById("chosen-cameras");
  var noneChosen = document.getElementById("no-camera-chosen");
  var results = document.getElementById("camera-results");
  var searchBox = document.getElementById("camera-search");
  var searchButton = form.querySelector("[data-camera-search]");
  var purpose = form.querySelector('select[name="purpose"]');
  var decisions = document.getElementById("decision-list");
  var checkButton = document.getElementById("check-decision");
  var sequence = 0;
  var timer = null;

  function text(name) {
    return form.getAttribute("data-text-" + name) || "";
  }

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
    return Array.prototype.map.call(chosen.querySelectorAll('input[name="cameras"]:checked'), function (box) {
      return box.value;
    });
  }

  function label(camera) {
    return camera.name + " · " + camera.owner + (camera.municipality ? " · " + camera.municipality : "");
  }

  function cameraItem(camera) {
    var item = document.createElement("li");
    var box = document.createElement("input");
    var labelElement = document.createElement("label");
    box.type = "checkbox";
    box.name = "cameras";
    box.value = String(camera.id);
    box.id = "live-camera-" + camera.id;
    labelElement.htmlFor = box.id;
    labelElement.textContent = label(camera);
    item.appendChild(box);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(labelElement);
    return item;
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

  function moveTicked() {
    results.querySelectorAll('input[name="cameras"]:checked').forEach(function (box) {
      chosen.appendChild(box.closest("li"));
    });
    noneChosen.hidden = chosen.children.length > 0;
  }

  function showResults(data) {
    moveTicked();
    results.textContent = "";
    var list = document.createElement("ul");
    list.className = "checklist";
    data.results.forEach(function (camera) {
      if (!document.getElementById("live-camera-" + camera.id)) {
        list.appendChild(cameraItem(camera));
      }
    });
    var note = document.createElement("p");
    if (list.children.length) {
      results.appendChild(list);
    } else {
      note.className = "empty";
      note.textContent = text("none");
      results.appendChild(note);
    }
    if (data.truncated) {
      note = document.createElement("p");
      note.className = "help";
      note.textContent = text("truncated");
      results.appendChild(note);
    }
  }

  function search(event) {
    var query = searchBox.value.trim();
    event.preventDefault();
    if (query.length < 2) {
      searchBox.focus();
      return;
    }
    var params = new URLSearchParams({ q: query });
    chosenIds().forEach(function (id) {
      params.append("chosen", id);
    });
    getJson(searchUrl, params)
      .then(showResults)
      .catch(function () {
        form.requestSubmit(searchButton);
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
      moveTicked();
      fitLayout();
      scheduleDecisions();
    } else if (event.target === purpose) {
      scheduleDecisions();
    }
  });
  if (searchButton && searchBox) {
    searchButton.addEventListener("click", search);
    searchBox.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        search(event);
      }
    });
  }
  if (checkButton) {
    checkButton.hidden = true; /* the answers follow the choices by themselves */
  }
})();
