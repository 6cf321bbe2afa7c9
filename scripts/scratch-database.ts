import { DataSource } from 'typeorm';

/** Drops and re-creates the (empty) database `url` names; returns its name. For the tools' scratch databases only. */
export async function recreateMysqlDatabase(url: string): Promise<string> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const server = new URL(url);
  server.pathname = '/';
  const admin = new DataSource({ type: 'mysql', url: server.toString(), entities: [] });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name.replace(/`/g, '``')}\``);
    await admin.query(`CREATE DATABASE \`${name.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`);
  } finally {
    await admin.destroy();
  }
  return name;
}
