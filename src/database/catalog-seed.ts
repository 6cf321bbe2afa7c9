/** The seed action catalog (spec §1). Inserted by the initial migration; tests reset to it. */
export const SEED_MODULES = [{ id: 3, name: 'configurator' }];

export const SEED_ACTIONS = [
  { module: 3, action: 1, name: 'View', configurationAction: true, carriesPartList: false },
  { module: 3, action: 2, name: 'Save', configurationAction: true, carriesPartList: true },
  { module: 3, action: 4, name: '3D export', configurationAction: true, carriesPartList: false },
  { module: 3, action: 5, name: 'Renderings', configurationAction: true, carriesPartList: false },
  { module: 3, action: 302, name: 'Save_Draft', configurationAction: true, carriesPartList: true },
  { module: 3, action: 303, name: 'Save_Plan', configurationAction: true, carriesPartList: true },
];

/** Parameterised statements that insert the seed catalog; `?` placeholders work on both dialects. */
export function seedCatalogStatements(): Array<[string, unknown[]]> {
  return [
    ...SEED_MODULES.map((m): [string, unknown[]] => ['INSERT INTO catalog_module (id, name) VALUES (?, ?)', [m.id, m.name]]),
    ...SEED_ACTIONS.map((a): [string, unknown[]] => [
      'INSERT INTO catalog_action (module, action, name, configuration_action, carries_part_list) VALUES (?, ?, ?, ?, ?)',
      [a.module, a.action, a.name, a.configurationAction ? 1 : 0, a.carriesPartList ? 1 : 0],
    ]),
  ];
}
