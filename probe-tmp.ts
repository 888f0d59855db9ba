import { startTestApp, api } from './test/support/app.ts';
const app = await startTestApp('postgres');
for (const q of ['offset=Infinity', 'SAMLResponse=%F2%8A%97%B8&offset=1', 'SAMLResponse=%F2%8A%97%B8', 'q=%F2%8A%97%B8']) {
  const r = await api(app, 'GET', '/codes?' + q, app.adminToken);
  console.log(q, r.status, JSON.stringify(r.body).slice(0, 200));
}
app.blanca.app.log.level = 'error';
await app.close();
