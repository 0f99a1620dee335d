// An upload's progress pushed by the gateway (server-sent events, fed by the
// dashboard's UploadProgressed events); if the stream cannot be opened, the
// page asks every few seconds instead.
import { ApiError, get, seg, type Progress } from "./api";

export function watchUpload(uploadId: string, onProgress: (p: Progress) => void): () => void {
  let stopped = false;
  let timer: number | undefined;
  const source = new EventSource(`/api/v1/uploads/${seg(uploadId)}/events`);
  const poll = async () => {
    if (stopped) return;
    try {
      onProgress(await get<Progress>(`/uploads/${seg(uploadId)}`));
    } catch (error) {
      // Signed out, or the upload is not (or no longer) the caller's: asking again will not help.
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return;
    }
    timer = window.setTimeout(poll, 3000);
  };
  source.addEventListener("progress", (event) => {
    if (!stopped) onProgress(JSON.parse((event as MessageEvent).data) as Progress);
  });
  source.addEventListener("error", () => {
    // EventSource reconnects by itself while the stream was open; a stream
    // refused outright (closed) falls back to asking.
    if (source.readyState === EventSource.CLOSED && timer === undefined) void poll();
  });
  return () => {
    stopped = true;
    source.close();
    if (timer !== undefined) window.clearTimeout(timer);
  };
}

export function countsText(p: Pick<Progress, "ready" | "error" | "rejected">): string {
  return `${p.ready} application(s) ready to submit, ${p.error} with errors, ${p.rejected} rejected.`;
}
