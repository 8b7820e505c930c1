
export default function (component) {
  const { data } = component;
  const keys = (data && Array.isArray(data.keys)) ? data.keys.filter((k) => typeof k === "string") : [];
  if (keys.length) kcForget(keys).catch(() => { /* storage blocked: nothing was kept either */ });
}
