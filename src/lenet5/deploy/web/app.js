// Draw a digit: the canvas is sent as a PNG to POST predict (lenet5 serve), which answers with the
// digit, every class probability, the 28x28 and 32x32 inputs and conv1's feature maps as arrays.
"use strict";

const INK = 18;  // stroke width in canvas pixels: after scaling to MNIST's 20x20 box, about 2 px
const pad = document.getElementById("pad");
const pen = pad.getContext("2d");
const statusLine = document.getElementById("status");
let drawing = false, last = null, inked = false, asked = 0;

function clearPad() {
  pen.fillStyle = "#fff";  // opaque white paper: the server reads dark ink on light paper
  pen.fillRect(0, 0, pad.width, pad.height);
  inked = false;
}

function point(event) {  // pointer position in canvas pixels, whatever size CSS gives the canvas
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width,
          (event.clientY - box.top) * pad.height / box.height];
}

function line(from, to) {
  pen.strokeStyle = "#000";
  pen.lineWidth = INK;
  pen.lineCap = pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(...from);
  pen.lineTo(...to);
  pen.stroke();
  inked = true;
}

// Pointer events: one code path for mouse, pen and touch.
pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  drawing = true;
  last = point(event);
  line(last, last);  // a dot where the pen touched
});
pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const move of moves.length ? moves : [event]) {
    const here = point(move);
    line(last, here);
    last = here;
  }
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => {
    if (!drawing) return;
    drawing = false;
    predict();
  });
}

document.getElementById("clear").addEventListener("click", () => {
  asked++;  // an answer still on its way is for the old drawing: ignore it
  clearPad();
  showAnswer(null);
  say("Draw a digit.");
});

function say(text, error = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", error);
}

async function predict() {
  if (!inked) return;
  const ticket = ++asked;
  say("Reading…");
  const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
  let answer, reply;
  try {
    reply = await fetch("predict", {method: "POST", headers: {"Content-Type": "image/png"}, body: png});
    answer = await reply.json();
  } catch (error) {
    if (ticket === asked) say(`No answer from the server (${error.message}).`, true);
    return;
  }
  if (ticket !== asked) return;  // the drawing changed meanwhile
  if (!reply.ok) {
    showAnswer(null);
    say(answer.error || `HTTP ${reply.status}`, true);
    return;
  }
  showAnswer(answer);
  say(`Answered in ${answer.milliseconds} ms (${answer.backend}). Draw more, or Clear.`);
}

// --- the answer -----------------------------------------------------------------------------

const bars = document.getElementById("bars");
let classNames = [..."0123456789"];  // the checkpoint's class names, from GET health
function makeBars(count) {
  bars.replaceChildren();
  for (let i = 0; i < count; i++) {
    const row = document.createElement("li");
    row.dataset.class = i;
    row.innerHTML = `<span></span><div class="track"><div class="fill"></div></div><span class="pct"></span>`;
    row.firstChild.textContent = classNames[i] ?? String(i);
    bars.append(row);
  }
}

const maps = document.getElementById("maps");
function mapCanvases(count) {
  if (maps.children.length === count) return [...maps.querySelectorAll("canvas")];
  maps.replaceChildren();
  for (let i = 0; i < count; i++) {
    const figure = document.createElement("figure");
    figure.innerHTML = `<canvas class="pixels" width="28" height="28"></canvas><figcaption>filter ${i + 1}</figcaption>`;
    maps.append(figure);
  }
  return [...maps.querySelectorAll("canvas")];
}

// Draw a 2-D array on a canvas of the same size, mapping lo..hi to black..white.
function paint(canvas, rows, lo, hi) {
  const context = canvas.getContext("2d");
  const image = context.createImageData(canvas.width, canvas.height);
  const span = hi > lo ? hi - lo : 1;
  rows.forEach((row, y) => row.forEach((value, x) => {
    const grey = Math.max(0, Math.min(255, Math.round(255 * (value - lo) / span)));
    const at = 4 * (y * canvas.width + x);
    image.data.set([grey, grey, grey, 255], at);
  }));
  context.putImageData(image, 0, 0);
}

function blank(canvas) {
  const context = canvas.getContext("2d");
  context.fillStyle = "#000";
  context.fillRect(0, 0, canvas.width, canvas.height);
}

function showAnswer(answer) {
  const result = document.getElementById("result");
  const inputs = ["digit28", "input32"].map((id) => document.getElementById(id));
  if (!answer) {
    result.dataset.digit = "";
    document.getElementById("digit").textContent = "?";
    document.getElementById("confidence").textContent = "";
    bars.querySelectorAll("li").forEach((row) => {
      row.classList.remove("top");
      row.querySelector(".fill").style.width = "0";
      row.querySelector(".pct").textContent = "";
    });
    inputs.forEach(blank);
    mapCanvases(6).forEach(blank);
    return;
  }
  const p = answer.probabilities;
  result.dataset.digit = answer.class;
  document.getElementById("digit").textContent = answer.label;
  document.getElementById("confidence").textContent = `${(100 * p[answer.class]).toFixed(1)}% sure`;
  if (bars.children.length !== p.length) makeBars(p.length);
  [...bars.children].forEach((row, i) => {
    row.classList.toggle("top", i === answer.class);
    row.querySelector(".fill").style.width = `${100 * p[i]}%`;
    row.querySelector(".pct").textContent = `${(100 * p[i]).toFixed(1)}%`;
  });
  paint(inputs[0], answer.mnist_digit, 0, 255);
  // The input is normalised, (pixel/255 - mean) / std: undo that to show it as grey levels.
  const {mean, std} = answer.normalisation;
  paint(inputs[1], answer.input, -mean / std, (1 - mean) / std);
  const canvases = mapCanvases(answer.conv1.length);
  answer.conv1.forEach((map, i) => paint(canvases[i], map, 0, Math.max(...map.flat())));
}

async function showServer() {
  try {
    const health = await (await fetch("health")).json();
    const weights = health.checkpoint ? health.checkpoint.split(/[\\/]/).pop() : "network in memory";
    if (health.classes && health.classes.join("") !== "0123456789") {
      // Not MNIST's digits: label the bars with the checkpoint's classes and say what to draw.
      classNames = health.classes;
      makeBars(classNames.length);
      const shown = classNames.length > 4
        ? `${classNames.slice(0, 3).join(", ")}, …, ${classNames[classNames.length - 1]}`
        : classNames.join(", ");
      document.getElementById("intro").textContent =
        `This network was trained on ${health.dataset}: draw one of its ${classNames.length} ` +
        `classes (${shown}) as large as the box. When you lift the pen, LeNet5 reads it.`;
    }
    document.getElementById("footer").textContent =
      `LeNet5 · ${weights} · ${health.backend} · ` +
      "lenet5 serve (lenet5-course)";
  } catch (error) { /* the footer is a nicety */ }
}

clearPad();
makeBars(10);
showAnswer(null);
showServer();
