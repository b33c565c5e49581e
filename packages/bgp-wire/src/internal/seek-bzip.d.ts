declare module "seek-bzip" {
  const Bunzip: {
    decode(input: Uint8Array, output?: undefined, multistream?: boolean): Buffer;
  };
  export default Bunzip;
}
