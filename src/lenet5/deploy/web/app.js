// Draw a digit: the canvas is sent as a PNG to POST predict (lenet5 serve), which answers with the
// digit, every class probability, the 28x28 and 32x32 inputs and conv1's feature maps as arrays.
"use strict";

// --- language: English or Chinese (the 中文/English button; ?lang=zh or ?lang=en; remembered) ---
const TEXTS = {
  en: {
    pageTitle: "Draw a digit · LeNet5", title: "Draw a digit",
    intro: "Draw one digit, 0 to 9, as large as the box. When you lift the pen, LeNet5 reads it.",
    introClasses: (dataset, count, shown) => `This network was trained on ${dataset}: draw one of ` +
      `its ${count} classes (${shown}) as large as the box. When you lift the pen, LeNet5 reads it.`,
    drawTitle: "Your drawing", pad: "drawing area: draw a digit here", clear: "Clear",
    answerTitle: "The network says", bars: "probability of each digit", seenTitle: "What it sees",
    caption28: "28×28: your digit made like an MNIST digit (20×20 box, centred by mass)",
    caption32: "32×32: the network's input, resized and normalised as in training",
    mapsTitle: "conv1: six 5×5 filters, after ReLU",
    mapsNote: "Each 28×28 map shows where one filter responds (white: strongest in that map).",
    filter: (i) => `filter ${i}`, drawPrompt: "Draw a digit.", reading: "Reading…",
    noAnswer: (message) => `No answer from the server (${message}).`,
    answered: (ms, backend) => `Answered in ${ms} ms (${backend}). Draw more, or Clear.`,
    sure: (pct) => `${pct}% sure`, inMemory: "network in memory",
    switchTo: "中文", switchLabel: "切换到中文", switchLang: "zh-CN",
  },
  zh: {
    pageTitle: "手写一个数字 · LeNet5", title: "手写一个数字",
    intro: "在方框里写一个数字（0 到 9），尽量写满方框。抬起笔时，LeNet5 就会识别它。",
    introClasses: (dataset, count, shown) => `这个网络是在 ${dataset} 上训练的：请在方框里画出它的 ` +
      `${count} 个类别之一（${shown}），尽量画满方框。抬起笔时，LeNet5 就会识别它。`,
    drawTitle: "你的手写", pad: "绘图区：在这里写一个数字", clear: "清除",
    answerTitle: "网络的回答", bars: "每个数字的概率", seenTitle: "网络看到的输入",
    caption28: "28×28：按 MNIST 的方式处理后的数字（缩放到 20×20 的框内，按质心居中）",
    caption32: "32×32：网络的输入，与训练时一样缩放并归一化",
    mapsTitle: "conv1：6 个 5×5 卷积核，经过 ReLU 之后",
    mapsNote: "每张 28×28 的特征图显示一个卷积核在哪里响应（白色：该图中最强）。",
    filter: (i) => `卷积核 ${i}`, drawPrompt: "请写一个数字。", reading: "识别中…",
    noAnswer: (message) => `服务器没有回应（${message}）。`,
    answered: (ms, backend) => `用时 ${ms} ms（${backend}）。可以继续写，或点“清除”。`,
    sure: (pct) => `把握 ${pct}%`, inMemory: "内存中的网络",
    switchTo: "English", switchLabel: "Switch to English", switchLang: "en",
  },
};
const LANG_KEY = "lenet5-serve-lang";
function chosenLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked) return asked.toLowerCase().startsWith("zh") ? "zh" : "en";
  let stored = null;
  try { stored = localStorage.getItem(LANG_KEY); } catch (error) { /* storage may be off */ }
  if (stored in TEXTS) return stored;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}
let lang = chosenLanguage();
const t = (key, ...args) => {
  const text = TEXTS[lang][key];
  return typeof text === "function" ? text(...args) : text;
};

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
  say(t("drawPrompt"));
});

function say(text, error = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle("error", error);
}

async function predict() {
  if (!inked) return;
  const ticket = ++asked;
  say(t("reading"));
  const png = await new Promise((resolve) => pad.toBlob(resolve, "image/png"));
  let answer, reply;
  try {
    reply = await fetch("predict", {method: "POST", headers: {"Content-Type": "image/png"}, body: png});
    answer = await reply.json();
  } catch (error) {
    if (ticket === asked) say(t("noAnswer", error.message), true);
    return;
  }
  if (ticket !== asked) return;  // the drawing changed meanwhile
  if (!reply.ok) {
    showAnswer(null);
    say(answer.error || `HTTP ${reply.status}`, true);
    return;
  }
  showAnswer(answer);
  say(t("answered", answer.milliseconds, answer.backend));
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
    figure.innerHTML = `<canvas class="pixels" width="28" height="28"></canvas><figcaption></figcaption>`;
    figure.lastChild.textContent = t("filter", i + 1);
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

let lastAnswer = null;
function showAnswer(answer) {
  lastAnswer = answer;
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
  document.getElementById("confidence").textContent = t("sure", (100 * p[answer.class]).toFixed(1));
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

let health = null;  // GET health: the checkpoint, its classes, the backend
async function showServer() {
  try {
    health = await (await fetch("health")).json();
    if (health.classes && health.classes.join("") !== "0123456789") {
      // Not MNIST's digits: label the bars with the checkpoint's classes.
      classNames = health.classes;
      makeBars(classNames.length);
    }
    describeServer();
  } catch (error) { /* the footer is a nicety */ }
}

function describeServer() {
  if (!health) return;
  if (classNames.join("") !== "0123456789") {  // say what to draw
    const shown = classNames.length > 4
      ? `${classNames.slice(0, 3).join(", ")}, …, ${classNames[classNames.length - 1]}`
      : classNames.join(", ");
    document.getElementById("intro").textContent = t("introClasses", health.dataset, classNames.length, shown);
  }
  const weights = health.checkpoint ? health.checkpoint.split(/[\\/]/).pop() : t("inMemory");
  document.getElementById("footer").textContent =
    `LeNet5 · ${weights} · ${health.backend} · lenet5 serve (lenet5-course)`;
}

// Every text of the page in the chosen language; the answer on show stays.
function showLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = t("pageTitle");
  document.querySelectorAll("[data-text]").forEach((node) => { node.textContent = t(node.dataset.text); });
  document.querySelectorAll("[data-label]").forEach((node) => node.setAttribute("aria-label", t(node.dataset.label)));
  maps.querySelectorAll("figcaption").forEach((caption, i) => { caption.textContent = t("filter", i + 1); });
  const button = document.getElementById("lang");
  button.textContent = t("switchTo");
  button.lang = t("switchLang");
  button.setAttribute("aria-label", t("switchLabel"));
  const result = document.getElementById("result");
  if (result.dataset.digit === "") say(t("drawPrompt"));
  else if (lastAnswer) {
    showAnswer(lastAnswer);
    say(t("answered", lastAnswer.milliseconds, lastAnswer.backend));
  }
  describeServer();
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  try { localStorage.setItem(LANG_KEY, lang); } catch (error) { /* not remembered */ }
  showLanguage();
});

clearPad();
makeBars(10);
showAnswer(null);
showLanguage();
showServer();
