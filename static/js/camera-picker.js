/* The searchable camera picker (templates/_camera_picker.html), shared by the live start page and the new footage
   request page: search the cameras without reloading, move the ticked matches to the chosen list so that a new search
   does not drop them, and say when nothing is chosen yet. Each picker is described by data-* attributes on its
   element: data-search-url, data-input-name (the checkboxes' name), data-id-prefix (each checkbox's id is the prefix
   and the camera id) and the texts data-text-none and data-text-truncated, already translated.
   The page's own script loads after this one and reacts to the same change events (the picker, inside the form, sees
   them first) and asks window.CameraPicker.chosenIds(picker) for the chosen cameras.
   Everything also works without this file (Search is an ordinary submit button). */
(function () {
  "use strict";

  function inputName(picker) {
    return picker.getAttribute("data-input-name") || "cameras";
  }

  function chosenIds(picker) {
    var chosen = picker.querySelector("#chosen-cameras");
    var boxes = chosen.querySelectorAll('input[name="' + inputName(picker) + '"]:checked');
    return Array.prototype.map.call(boxes, function (box) {
      return box.value;
    });
  }

  function attach(picker) {
    var form = picker.closest("form");
    var searchUrl = picker.getAttribute("data-search-url");
    var name = inputName(picker);
    var prefix = picker.getAttribute("data-id-prefix") || "camera-";
    var chosen = picker.querySelector("#chosen-cameras");
    var noneChosen = picker.querySelector("#no-camera-chosen");
    var results = picker.querySelector("#camera-results");
    var searchBox = picker.querySelector("#camera-search");
    var searchButton = picker.querySelector("[data-camera-search]");

    function text(key) {
      return picker.getAttribute("data-text-" + key) || "";
    }

    function getJson(url, params) {
      return fetch(url + "?" + params.toString(), {
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

    function cameraItem(camera) {
      var item = document.createElement("li");
      var box = document.createElement("input");
      var label = document.createElement("label");
      box.type = "checkbox";
      box.name = name;
      box.value = String(camera.id);
      box.id = prefix + camera.id;
      label.htmlFor = box.id;
      label.textContent = [camera.name, camera.owner, camera.municipality].filter(Boolean).join(" · ");
      item.appendChild(box);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(label);
      return item;
    }

    function moveTicked() {
      results.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (box) {
        chosen.appendChild(box.closest("li"));
      });
      if (noneChosen) {
        noneChosen.hidden = chosen.children.length > 0;
      }
    }

    function showResults(data) {
      moveTicked();
      results.textContent = "";
      var list = document.createElement("ul");
      var note = document.createElement("p");
      list.className = "checklist";
      data.results.forEach(function (camera) {
        if (!document.getElementById(prefix + camera.id)) {
          list.appendChild(cameraItem(camera));
        }
      });
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
      chosenIds(picker).forEach(function (id) {
        params.append("chosen", id);
      });
      getJson(searchUrl, params)
        .then(showResults)
        .catch(function () {
          /* Fall back to the server-rendered search (requestSubmit fires no click, so no loop). */
          form.requestSubmit(searchButton);
        });
    }

    picker.addEventListener("change", function (event) {
      if (event.target.name === name) {
        moveTicked();
      }
    });
    if (searchUrl && searchButton && searchBox) {
      searchButton.addEventListener("click", search);
      searchBox.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          search(event);
        }
      });
    }
  }

  window.CameraPicker = { chosenIds: chosenIds };
  document.querySelectorAll("[data-camera-picker]").forEach(attach);
})();
