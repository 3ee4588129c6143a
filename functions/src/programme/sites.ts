/** The site registry: the partnerships that make returns, and who hears about them. */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { checkWithSchema, readYamlFile } from './reference-file.js';

const siteSchema = z.strictObject({
  code: z.string().regex(/^[A-Z]{3}$/, 'a site code is three capital letters'),
  name: z.string().min(1),
  shortName: z.string().min(1),
  contacts: z.array(z.email()).min(1, 'every site needs at least one contact email'),
});

const registrySchema = z
  .strictObject({ sites: z.array(siteSchema).min(1) })
  .superRefine((registry, context) => {
    const seen = new Set<string>();
    registry.sites.forEach((site, index) => {
      if (seen.has(site.code)) {
        context.addIssue({
          code: 'custom',
          path: ['sites', index, 'code'],
          message: `${site.code} is listed twice`,
        });
      }
      seen.add(site.code);
    });
  });

export type Site = z.infer<typeof siteSchema>;

export class SiteRegistry {
  private readonly byCode: Map<string, Site>;
  constructor(readonly sites: readonly Site[]) {
    this.byCode = new Map(sites.map((site) => [site.code, site]));
  }

  static load(file: string): SiteRegistry {
    return new SiteRegistry(checkWithSchema(file, registrySchema, readYamlFile(file)).sites);
  }

  find(code: string): Site | undefined {
    return this.byCode.get(code.trim().toUpperCase());
  }

  /** For a code typed by a person: throws a UsageError listing the real codes. */
  get(code: string): Site {
    const site = this.find(code);
    if (!site) {
      throw new UsageError(`There is no site "${code}". The sites are ${this.describeCodes()}.`);
    }
    return site;
  }

  describeCodes(): string {
    return this.sites.map((site) => `${site.code} (${site.shortName})`).join(', ');
  }
}
