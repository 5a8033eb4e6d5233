// The web UI's only two static files, compiled in so `weir hub` is one
// binary with nothing to install beside it. Kept small on purpose: plain
// CSS that reflows to one column on a phone, and a script that only adds
// copy buttons (every form works without it).
#include "hub/web_ui.h"

namespace weir::hub {

const char kHubCss[] = R"css(:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--accent:#0a58ca;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;border-bottom:1px solid var(--line);background:var(--soft)}
header nav{display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
.brand{font-weight:700;text-decoration:none;color:var(--fg)}
main{max-width:60rem;margin:0 auto;padding:1rem}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f3b000;outline-offset:1px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
form.inline{display:inline}
form.stack,form.filters{display:flex;flex-direction:column;gap:.4rem;max-width:24rem}
form.filters{flex-direction:row;flex-wrap:wrap;max-width:none;align-items:flex-end}
form.search{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
form.search input{flex:1 1 14rem}
input,select,textarea,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px}
textarea{width:100%;min-height:5rem}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
fieldset{border:1px solid var(--line);border-radius:6px}
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.75rem}
.card{border:1px solid var(--line);border-radius:8px;padding:.75rem}
.card p{margin:.3rem 0}
.repo{font-weight:600}
.meta,.empty{color:var(--muted);font-size:.9rem}
.meta span{margin-right:.6rem}
.badge{font-size:.75rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem;color:var(--muted);vertical-align:middle}
.lead{font-size:1.1rem}
.notice{background:#eef6ee;border:1px solid #9bc59b;padding:.5rem;border-radius:6px}
.error{background:#fdeeee;border:1px solid #e0a0a0;padding:.5rem;border-radius:6px}
.snippet{margin:.75rem 0}
.snippet-head{display:flex;justify-content:space-between;align-items:center}
.snippet h3{margin:0;font-size:1rem}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:.6rem;overflow-x:auto}
code{font:.9rem ui-monospace,SFMono-Regular,Menlo,monospace}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
caption{text-align:left;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
.readme{border-top:1px solid var(--line)}
@media (max-width:40rem){main{padding:.6rem}form.filters{flex-direction:column;align-items:stretch}}
)css";

const char kHubJs[] = R"js("use strict";
// Copy buttons: <button data-copy="ID"> copies the text of element ID.
document.addEventListener("click", function (e) {
  var b = e.target.closest("button[data-copy]");
  if (!b) return;
  var el = document.getElementById(b.getAttribute("data-copy"));
  if (!el || !navigator.clipboard) return;
  navigator.clipboard.writeText(el.textContent).then(function () {
    b.textContent = "Copied";
    setTimeout(function () { b.textContent = "Copy"; }, 1500);
  });
});
)js";

}  // namespace weir::hub
