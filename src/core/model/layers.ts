/** Layer versions, as PublishLayerVersion stores them. */

export interface LayerVersion {
  layerName: string;
  version: number;
  description: string;
  compatibleRuntimes: string[];
  compatibleArchitectures: string[];
  licenseInfo?: string;
  codeHash: string;
  codeSha256: string;
  codeSize: number;
  /** ISO time. */
  createdDate: string;
}
