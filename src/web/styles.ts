// One small stylesheet, inlined: the portal must work without any asset pipeline.
// Trusted, constant text: page.ts inserts it with raw(), never user input.
export const PORTAL_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827;background:#f3f4f6}
a{color:var(--primary)}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
.skip:focus{left:.5rem;z-index:10}
header.top{display:flex;align-items:center;gap:1rem;padding:.75rem 1.5rem;background:var(--primary);color:var(--on-primary,#fff)}
header.top a{color:#fff}
header.top .brand{display:flex;align-items:center;gap:.5rem;font-weight:700;font-size:1.15rem;text-decoration:none}
header.top img{max-height:32px}
header.top .spacer{flex:1}
header.top form{display:inline}
header.top button.link{background:none;border:1px solid rgba(255,255,255,.6);color:#fff;border-radius:4px;padding:.25rem .75rem;cursor:pointer;white-space:nowrap}
.layout{display:flex;min-height:calc(100vh - 56px)}
nav.side{width:240px;background:#fff;border-right:1px solid #e5e7eb;padding:1rem 0}
nav.side ul{list-style:none;margin:0;padding:0}
nav.side a{display:block;padding:.5rem 1.25rem;text-decoration:none;color:#111827}
nav.side a[aria-current=page]{background:#eef2ff;border-left:4px solid var(--primary);font-weight:600}
main{flex:1;padding:1.5rem 2rem;max-width:1100px}
h1{margin-top:0;font-size:1.6rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f9fafb;font-weight:600}
.button,button{display:inline-block;background:var(--primary);color:var(--on-primary,#fff);border:0;border-radius:6px;padding:.5rem 1rem;font:inherit;cursor:pointer;text-decoration:none}
.button.secondary,button.secondary{background:#fff;color:#111827;border:1px solid #d1d5db}
button.danger,.button.danger{background:#b91c1c}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
form.stack{display:grid;gap:1rem;max-width:560px;background:#fff;padding:1.25rem;border-radius:8px;border:1px solid #e5e7eb}
label{font-weight:600;display:block}
.hint{color:#4b5563;font-size:.9rem;font-weight:400}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=url],select,textarea{width:100%;padding:.5rem;border:1px solid #9ca3af;border-radius:6px;font:inherit;background:#fff}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#b91c1c;border-width:2px}
.field-error{color:#b91c1c;font-weight:600;margin:.25rem 0 0}
.error-summary{border:2px solid #b91c1c;background:#fef2f2;padding:1rem;border-radius:8px;margin-bottom:1rem}
.flash{border:2px solid var(--accent);background:#f0fdfa;padding:.75rem 1rem;border-radius:8px;margin-bottom:1rem}
.banner{background:#fef3c7;border-bottom:1px solid #f59e0b;padding:.5rem 1.5rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
.banner label{display:inline}
.banner select,header.top select{width:auto}
.tabs{display:flex;gap:.25rem;border-bottom:2px solid #e5e7eb;margin-bottom:1rem}
.tabs a{padding:.5rem 1rem;text-decoration:none;color:#111827;border-radius:6px 6px 0 0}
.tabs a[aria-current=page]{background:var(--primary);color:var(--on-primary,#fff)}
fieldset{border:1px solid #d1d5db;border-radius:6px}
form.stack fieldset :is(div,fieldset)+:is(div,fieldset):not(.grid2 div){margin-top:1rem}
label+input,label+select,label+textarea{margin-top:.25rem}
@media (max-width:640px){.layout{flex-direction:column}nav.side{width:auto;border-right:0;border-bottom:1px solid #e5e7eb;padding:.5rem 0}main{padding:1rem}header.top{flex-wrap:wrap;padding:.75rem 1rem}}
.checkbox{font-weight:400;display:flex;gap:.5rem;align-items:center}
.login{max-width:420px;margin:4rem auto}
.login .logo{text-align:center;margin-bottom:1rem}
.sso-sign-in{margin-top:1rem}.sso-sign-in-actions{margin-top:.5rem}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.pill{display:inline-block;background:#e5e7eb;border-radius:999px;padding:0 .5rem;font-size:.85rem}
code,pre{background:#f3f4f6;border-radius:4px;padding:.1rem .3rem;word-break:break-all}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;
