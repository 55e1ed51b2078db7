// Script of the oss web console: copy buttons, confirmations and uploads with progress.
// Everything else works without it. No secret ever reaches this script: uploads go to the
// console's own routes, which sign the S3 requests on the server.
"use strict";

(function () {
  // Files up to this size go up in one request; larger ones in parts of PART_SIZE bytes.
  // The S3 endpoint requires every part but the last to be at least 5 MiB.
  var SINGLE_MAX = 16 * 1024 * 1024;
  var PART_SIZE = 8 * 1024 * 1024;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Copy buttons: data-copy names the id of the element whose value or text is copied.
  function copy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var text = target.value !== undefined ? target.value : target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectAndCopy(target, done); });
    } else {
      selectAndCopy(target, done);
    }
  }

  function selectAndCopy(target, done) {
    if (target.select) {
      target.select();
    } else {
      var range = document.createRange();
      range.selectNodeContents(target);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    try {
      if (document.execCommand("copy")) done();
    } catch (e) {
      // The text stays selected, so the user can copy it by hand.
    }
  }

  // CRC-32 (IEEE), sent as x-amz-checksum-crc32 so the server verifies what it received.
  var crcTable = null;
  function crc32(bytes, crc) {
    if (!crcTable) {
      crcTable = new Uint32Array(256);
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c >>> 0;
      }
    }
    crc = (crc === undefined ? 0 : crc) ^ 0xffffffff;
    for (var i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  function crc32Base64(bytes) {
    var value = crc32(bytes);
    var raw = String.fromCharCode((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    return btoa(raw);
  }

  function readSlice(blob) {
    return blob.arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  // Sends one request with upload progress; resolves with the parsed JSON reply.
  function send(method, url, body, headers, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      Object.keys(headers || {}).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) {
        xhr.upload.onprogress = function (event) { if (event.lengthComputable) onProgress(event.loaded); };
      }
      xhr.onload = function () {
        var reply = null;
        try { reply = JSON.parse(xhr.responseText); } catch (e) { reply = null; }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(reply || {});
        } else {
          var message = reply && reply.error ? reply.error.code + ": " + reply.error.message : "HTTP " + xhr.status;
          reject(new Error(message));
        }
      };
      xhr.onerror = function () { reject(new Error("the connection failed")); };
      xhr.send(body);
    });
  }

  function uploadOne(base, key, file, onProgress) {
    var type = file.type || "application/octet-stream";
    var keyQuery = "key=" + encodeURIComponent(key);
    if (file.size <= SINGLE_MAX) {
      return readSlice(file).then(function (bytes) {
        return send("PUT", base + "/upload?" + keyQuery, bytes, {
          "Content-Type": type,
          "x-amz-checksum-crc32": crc32Base64(bytes)
        }, onProgress);
      });
    }
    var parts = [];
    var uploadId = null;
    var sent = 0;
    return send("POST", base + "/multipart?" + keyQuery, null, { "X-Object-Content-Type": type })
      .then(function (reply) {
        uploadId = reply.upload_id;
        var chain = Promise.resolve();
        for (var start = 0, number = 1; start < file.size; start += PART_SIZE, number++) {
          (function (start, number) {
            chain = chain.then(function () {
              return readSlice(file.slice(start, Math.min(start + PART_SIZE, file.size))).then(function (bytes) {
                var url = base + "/multipart/part?" + keyQuery + "&upload_id=" + encodeURIComponent(uploadId) + "&part=" + number;
                return send("PUT", url, bytes, { "x-amz-checksum-crc32": crc32Base64(bytes) }, function (loaded) {
                  onProgress(sent + loaded);
                }).then(function (reply) {
                  sent += bytes.length;
                  parts.push({ part_number: number, etag: reply.etag });
                });
              });
            });
          })(start, number);
        }
        return chain;
      })
      .then(function () {
        var url = base + "/multipart/complete?" + keyQuery + "&upload_id=" + encodeURIComponent(uploadId);
        return send("POST", url, JSON.stringify({ parts: parts }), { "Content-Type": "application/json" });
      })
      .catch(function (error) {
        if (uploadId) {
          var url = base + "/multipart/abort?" + keyQuery + "&upload_id=" + encodeURIComponent(uploadId);
          send("POST", url, null, {}).catch(function () {});
        }
        throw error;
      });
  }

  function formatBytes(n) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function startUploads(form) {
    var input = form.querySelector('input[type="file"]');
    var list = document.getElementById("upload-list");
    var base = form.getAttribute("data-base");
    var prefix = form.getAttribute("data-prefix") || "";
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return;
    var button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    var failed = 0;
    var chain = Promise.resolve();
    files.forEach(function (file) {
      var row = document.createElement("div");
      row.className = "upload-row";
      var name = document.createElement("span");
      name.className = "key";
      name.textContent = prefix + file.name;
      var bar = document.createElement("progress");
      bar.max = Math.max(file.size, 1);
      bar.value = 0;
      bar.setAttribute("aria-label", "Upload progress of " + file.name);
      var status = document.createElement("span");
      status.className = "status";
      status.setAttribute("role", "status");
      status.textContent = "waiting";
      row.appendChild(name);
      row.appendChild(bar);
      row.appendChild(status);
      list.appendChild(row);
      chain = chain.then(function () {
        status.textContent = "0 %";
        return uploadOne(base, prefix + file.name, file, function (loaded) {
          bar.value = loaded;
          status.textContent = Math.floor((100 * loaded) / Math.max(file.size, 1)) + " %";
        }).then(function () {
          bar.value = bar.max;
          status.textContent = "done, " + formatBytes(file.size);
        }, function (error) {
          failed++;
          status.className = "status error";
          status.textContent = error.message;
        });
      });
    });
    chain.then(function () {
      button.disabled = false;
      input.value = "";
      var done = document.getElementById("upload-done");
      if (done) {
        done.hidden = false;
        done.textContent = failed === 0
          ? "All uploads finished. "
          : failed + " of " + files.length + " uploads failed. ";
        var reload = document.createElement("a");
        reload.href = window.location.href;
        reload.textContent = "Refresh the listing";
        done.appendChild(reload);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) {
      event.preventDefault();
      copy(button);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.id === "upload-form") {
      event.preventDefault();
      startUploads(form);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) form.hidden = false;
    var note = document.getElementById("upload-noscript");
    if (note) note.hidden = true;
  });
})();
