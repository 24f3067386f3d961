(function () {
  "use strict";
  var host = document.currentScript.parentNode;
  var box = host.querySelector(".kg-graph-canvas");
  var tip = host.querySelector(".kg-graph-tip");
  var data = JSON.parse(host.querySelector("script.kg-graph-data").textContent);
  host.style.position = "relative";
  host.style.margin = "0 0 1em 0";
  box.style.height = data.height;
  box.style.width = "100%";
  box.style.border = "1px solid #DDDDDD";
  box.style.background = "#FFFFFF";
  var legend = host.querySelector(".kg-graph-legend");
  if (legend) {
    legend.style.listStyle = "none";
    legend.style.padding = "0";
    legend.style.display = "flex";
    legend.style.flexWrap = "wrap";
    legend.style.gap = "0.3em 1.2em";
  }
  host.querySelectorAll(".kg-graph-swatch").forEach(function (el) {
    el.style.display = "inline-block";
    el.style.width = "0.9em";
    el.style.height = "0.9em";
    el.style.marginRight = "0.3em";
    el.style.verticalAlign = "-0.1em";
    el.style.border = "1px solid " + el.getAttribute("data-color");
    el.style.background = el.hasAttribute("data-hollow") ? "#FFFFFF" : el.getAttribute("data-color");
  });
  tip.style.position = "absolute";
  tip.style.zIndex = "10";
  tip.style.pointerEvents = "none";
  tip.style.whiteSpace = "pre-line";
  tip.style.maxWidth = "22em";
  tip.style.padding = "0.4em 0.6em";
  tip.style.background = "#FFFFF0";
  tip.style.border = "1px solid #999999";
  tip.style.borderRadius = "3px";
  tip.style.fontSize = "13px";
  tip.style.boxShadow = "2px 2px 6px rgba(0, 0, 0, 0.2)";
  function say(event) { host.dispatchEvent(new CustomEvent(event, {bubbles: true})); }
  if (typeof vis === "undefined") {
    box.textContent = data.noScript;
    say("kggraph:failed");
    return;
  }
  var network = new vis.Network(box, {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)},
                                data.options);
  function show(text, pointer) {
    if (typeof text !== "string" || !pointer) { return; }
    tip.textContent = text;
    tip.style.left = (box.offsetLeft + pointer.DOM.x + 14) + "px";
    tip.style.top = (box.offsetTop + pointer.DOM.y + 14) + "px";
    tip.hidden = false;
  }
  function hide() { tip.hidden = true; }
  network.on("hoverNode", function (p) { show(data.nodeTips[p.node], p.pointer); });
  network.on("hoverEdge", function (p) { show(data.edgeTips[p.edge], p.pointer); });
  ["blurNode", "blurEdge", "dragStart", "zoom"].forEach(function (e) { network.on(e, hide); });
  network.once("afterDrawing", function () { host.setAttribute("data-drawn", "1"); say("kggraph:drawn"); });
  network.once("stabilized", function () { say("kggraph:stabilized"); });
  host.kgNetwork = network;
})();
