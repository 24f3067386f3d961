/* kgmatch graph explorer: double-click a node to open its neighbourhood.
   The drawing is graph/visual.py's (it sets figure.kgNetwork); the links are the
   data-href attributes of #kg-node-links, one per drawn node, in node-id order. */
(function () {
  "use strict";
  function wire() {
    var list = document.getElementById("kg-node-links");
    var figure = document.querySelector(".kg-graph");
    if (!list || !figure || !figure.kgNetwork) { return; }
    var links = Array.prototype.map.call(list.children, function (li) { return li.getAttribute("data-href") || ""; });
    figure.kgNetwork.on("doubleClick", function (params) {
      if (!params.nodes || params.nodes.length !== 1) { return; }
      var href = links[params.nodes[0]];
      if (href && href.charAt(0) === "/" && href.charAt(1) !== "/") { window.location.assign(href); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", wire); } else { wire(); }
})();
