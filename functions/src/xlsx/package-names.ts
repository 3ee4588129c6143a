/**
 * The names an Office Open XML spreadsheet package is made of: its media type,
 * the content types of the parts we write, and the namespaces they use.
 */

/** The media type of an .xlsx file, for uploads, downloads and attachments. */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const CONTENT_TYPES = {
  worksheet: 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml',
  comments: 'application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml',
  vml: 'application/vnd.openxmlformats-officedocument.vmlDrawing',
  styles: 'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml',
  relationships: 'application/vnd.openxmlformats-package.relationships+xml',
} as const;

export const NAMESPACES = {
  main: 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
  relationships: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  strictRelationships: 'http://purl.oclc.org/ooxml/officeDocument/relationships',
  packageRelationships: 'http://schemas.openxmlformats.org/package/2006/relationships',
} as const;
