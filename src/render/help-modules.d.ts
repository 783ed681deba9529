// wrap-ansi 7 and supports-color 8 (what @oclif/core's help wraps and colours with, so ours too) ship no types.
declare module 'wrap-ansi' {
  export default function wrapAnsi(
    input: string,
    columns: number,
    options?: { hard?: boolean; wordWrap?: boolean; trim?: boolean },
  ): string;
}

declare module 'supports-color' {
  const supportsColor: { stdout: false | { level: number }; stderr: false | { level: number } };
  export default supportsColor;
}
