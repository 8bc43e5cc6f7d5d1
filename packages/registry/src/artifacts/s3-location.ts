/**
 * `s3://bucket[/prefix]` artifact roots, and the connection settings of the
 * S3 client (endpoint, region, credentials) with the AWS SDK's usual sources.
 */
import type { Config } from '@mlops/core';
import { artifactSegments } from './artifact-repository.js';

/** A bucket and the key prefix inside it under which the artifact tree lives. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/`; empty for the bucket's top level. */
  prefix: string;
}

/**
 * How to reach the object store. Everything is optional: left out, the AWS
 * SDK's own sources apply (AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
 * AWS_PROFILE and shared files, instance or container roles).
 */
export interface S3Settings {
  /** A custom endpoint (SeaweedFS, MinIO, Ceph...); path-style addressing is used with it. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** Bucket names as S3 accepts them: 3-63 lowercase letters, digits, dots and hyphens, letter or digit at both ends. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** True when `root` names an object store rather than a folder. */
export function isS3Root(root: string): boolean {
  return /^s3:/i.test(root);
}

/**
 * Parses `s3://bucket[/prefix]`. Throws an Error naming REGISTRY_ARTIFACT_ROOT
 * and what is wrong (a bad bucket name, a prefix with `..`, ...).
 */
export function parseS3Root(root: string): S3Location {
  const refuse = (why: string): never => {
    throw new Error(`REGISTRY_ARTIFACT_ROOT '${root}' is not a valid S3 location: ${why}`);
  };
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(root);
  if (!match) return refuse('expected s3://bucket or s3://bucket/prefix');
  const bucket = match[1] as string;
  if (!BUCKET.test(bucket) || bucket.includes('..')) {
    refuse(`'${bucket}' is not a bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  }
  let segments: string[] = [];
  try {
    segments = artifactSegments(match[2] ?? '');
  } catch (error) {
    refuse(`the prefix is not usable: ${(error as Error).message}`);
  }
  return { bucket, prefix: segments.join('/') };
}

/** The configuration variables the S3 client is built from. */
export type S3Config = Pick<
  Config,
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'AWS_SESSION_TOKEN'
  | 'AWS_REGION'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL'
  | 'MLFLOW_S3_ENDPOINT_URL'
>;

/**
 * S3Settings from the configuration. The endpoint is AWS_ENDPOINT_URL_S3, else
 * AWS_ENDPOINT_URL (the AWS SDKs' names), else MLFLOW_S3_ENDPOINT_URL (MLflow's
 * own). Credentials are passed only when both the key id and the secret are
 * set; otherwise the SDK looks for them itself and a missing pair fails the
 * start-up check with a message naming both variables.
 */
export function s3SettingsOf(config: S3Config): S3Settings {
  const endpoint = config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL ?? config.MLFLOW_S3_ENDPOINT_URL;
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = config;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(config.AWS_REGION ? { region: config.AWS_REGION } : {}),
    ...(accessKeyId && secretAccessKey
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(config.AWS_SESSION_TOKEN ? { sessionToken: config.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}
